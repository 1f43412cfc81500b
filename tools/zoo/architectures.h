#pragma once
/// The build functions behind the zoo's registry (zoo.cpp); each cites its geometry's source.
#include <cstdint>

#include "zoo/net_builder.h"

namespace bufopt::zoo {

// classic.cpp
void alexnet(NetBuilder& b, int64_t size);
void alexnet_mms(NetBuilder& b, int64_t size);
void vgg16(NetBuilder& b, int64_t size);
void squeezenet1_0(NetBuilder& b, int64_t size);
void squeezenet1_1(NetBuilder& b, int64_t size);

// resnet.cpp
void resnet18(NetBuilder& b, int64_t size);
void resnet50(NetBuilder& b, int64_t size);
void resnet50v1(NetBuilder& b, int64_t size);
void resnet50v1_keras(NetBuilder& b, int64_t size);
void resnet101(NetBuilder& b, int64_t size);
void resnet152(NetBuilder& b, int64_t size);

// mobile.cpp
void mobilenetv1(NetBuilder& b, int64_t size);
void mobilenetv2(NetBuilder& b, int64_t size);
void mobilenetv2_tf(NetBuilder& b, int64_t size);
void efficientnet_b0(NetBuilder& b, int64_t size);

// densenet.cpp
void densenet121(NetBuilder& b, int64_t size);

// dense_prediction.cpp
void unet(NetBuilder& b, int64_t size);
void yolov3_tiny(NetBuilder& b, int64_t size);

}  // namespace bufopt::zoo

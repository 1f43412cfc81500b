#!/usr/bin/python3
"""Writes the fuzzer's seed corpus: small valid ONNX models covering the operators, attributes
and model features the importer handles (windows, residuals, shape chains that fold, layouts,
quantisation, subgraphs, external and sparse data, unknown ops, a future opset).

A development tool, run once when the corpus changes (the models are committed):
    /usr/bin/python3 fuzz/make_corpus.py fuzz/corpus
Uses Debian's python3-onnx; bufopt itself never needs Python.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT = TensorProto.FLOAT


def zeros(name, shape, dtype=np.float32):
    return numpy_helper.from_array(np.zeros(shape, dtype=dtype), name)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def floats(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.float32), name)


def model(name, nodes, inputs, outputs, initializers=(), opset=13, extra_opsets=(), sparse=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers),
                              sparse_initializer=list(sparse))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
    result = helper.make_model(graph, opset_imports=opsets, producer_name="bufopt-fuzz-corpus")
    result.ir_version = 8
    return result


def tensor(name, shape, elem=FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def conv_relu():
    return model("conv_relu", [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["y"], name="relu"),
    ], [tensor("x", [1, 3, 16, 16])], [tensor("y", [1, 8, 16, 16])],
        [zeros("w", [8, 3, 3, 3]), zeros("b", [8])])


def residual():
    return model("residual", [
        helper.make_node("Conv", ["x", "w0"], ["a"], name="proj", kernel_shape=[1, 1]),
        helper.make_node("Conv", ["a", "w1"], ["b"], name="c1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["b"], ["br"], name="r1"),
        helper.make_node("Conv", ["br", "w2"], ["c"], name="c2", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["a", "c"], ["y"], name="sum"),
    ], [tensor("x", [1, 4, 12, 12])], [tensor("y", [1, 4, 12, 12])],
        [zeros("w0", [4, 4, 1, 1]), zeros("w1", [4, 4, 3, 3]), zeros("w2", [4, 4, 3, 3])])


def strided_pools():
    return model("strided_pools", [
        helper.make_node("Conv", ["x", "w"], ["a"], name="down", kernel_shape=[3, 3], strides=[2, 2],
                         pads=[1, 1, 1, 1]),
        helper.make_node("MaxPool", ["a"], ["b"], name="max", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
        helper.make_node("AveragePool", ["b"], ["y"], name="avg", kernel_shape=[2, 2], pads=[0, 1, 1, 0],
                         count_include_pad=1),
    ], [tensor("x", [1, 3, 19, 17])], [tensor("y", None)], [zeros("w", [6, 3, 3, 3])])


def concat_branches():
    return model("concat_branches", [
        helper.make_node("Conv", ["x", "wa"], ["a"], name="left", kernel_shape=[1, 1]),
        helper.make_node("Conv", ["x", "wb"], ["b"], name="right", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                         dilations=[1, 1]),
        helper.make_node("Concat", ["a", "b"], ["c"], name="cat", axis=1),
        helper.make_node("BatchNormalization", ["c", "s", "bias", "mean", "var"], ["n"], name="bn"),
        helper.make_node("Sigmoid", ["n"], ["g"], name="gate"),
        helper.make_node("Mul", ["n", "g"], ["y"], name="silu"),
    ], [tensor("x", [1, 3, 10, 10])], [tensor("y", None)],
        [zeros("wa", [2, 3, 1, 1]), zeros("wb", [2, 3, 3, 3]), floats("s", [1] * 4), zeros("bias", [4]),
         zeros("mean", [4]), floats("var", [1] * 4)])


def classifier_head():
    return model("classifier_head", [
        helper.make_node("Conv", ["x", "w"], ["a"], name="conv", kernel_shape=[3, 3]),
        helper.make_node("GlobalAveragePool", ["a"], ["p"], name="gap"),
        helper.make_node("Flatten", ["p"], ["f"], name="flat", axis=1),
        helper.make_node("Gemm", ["f", "fc", "fcb"], ["l"], name="fc", transB=1),
        helper.make_node("Softmax", ["l"], ["y"], name="softmax", axis=-1),
    ], [tensor("x", [1, 3, 8, 8])], [tensor("y", [1, 5])],
        [zeros("w", [4, 3, 3, 3]), zeros("fc", [5, 4]), zeros("fcb", [5])])


def shape_chain():
    # Shape -> Gather -> Unsqueeze -> Concat -> Reshape: folded to constants at import.
    return model("shape_chain", [
        helper.make_node("Shape", ["x"], ["s"], name="shape"),
        helper.make_node("Gather", ["s", "i0"], ["n"], name="batch", axis=0),
        helper.make_node("Unsqueeze", ["n", "ax"], ["nu"], name="unsq"),
        helper.make_node("Concat", ["nu", "rest"], ["target"], name="target", axis=0),
        helper.make_node("Reshape", ["x", "target"], ["r"], name="reshape"),
        helper.make_node("Transpose", ["r"], ["y"], name="swap", perm=[0, 1, 3, 2]),
    ], [tensor("x", ["N", 2, 6, 4])], [tensor("y", None)],
        [ints("i0", 0), ints("ax", [0]), ints("rest", [2, 3, 8])])


def upsample():
    return model("upsample", [
        helper.make_node("Resize", ["x", "", "scales"], ["a"], name="resize", mode="nearest"),
        helper.make_node("ConvTranspose", ["a", "wt"], ["b"], name="deconv", kernel_shape=[3, 3], strides=[2, 2],
                         pads=[1, 1, 1, 1], output_padding=[1, 1]),
        helper.make_node("DepthToSpace", ["b"], ["y"], name="d2s", blocksize=2, mode="CRD"),
    ], [tensor("x", [1, 4, 5, 5])], [tensor("y", None)],
        [floats("scales", [1, 1, 2, 2]), zeros("wt", [4, 8, 3, 3])])


def nhwc_layout():
    return model("nhwc_layout", [
        helper.make_node("Transpose", ["x"], ["t"], name="to_nchw", perm=[0, 3, 1, 2]),
        helper.make_node("Conv", ["t", "w"], ["c"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=3),
        helper.make_node("Transpose", ["c"], ["y"], name="to_nhwc", perm=[0, 2, 3, 1]),
    ], [tensor("x", [1, 9, 7, 3])], [tensor("y", None)], [zeros("w", [3, 1, 3, 3])])


def conv1d():
    return model("conv1d", [
        helper.make_node("Pad", ["x", "pads"], ["p"], name="pad", mode="constant"),
        helper.make_node("Conv", ["p", "w"], ["c"], name="conv", kernel_shape=[5], strides=[2]),
        helper.make_node("Slice", ["c", "starts", "ends", "axes", "steps"], ["y"], name="slice"),
    ], [tensor("x", [1, 4, 32])], [tensor("y", None)],
        [ints("pads", [0, 0, 2, 0, 0, 2]), zeros("w", [6, 4, 5]), ints("starts", [1]), ints("ends", [12]),
         ints("axes", [2]), ints("steps", [2])])


def quantized():
    return model("quantized", [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["q"], name="quant"),
        helper.make_node("QLinearConv", ["q", "xs", "xz", "w", "ws", "wz", "ys", "yz"], ["qc"], name="qconv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("DequantizeLinear", ["qc", "ys", "yz"], ["y"], name="dequant"),
    ], [tensor("x", [1, 2, 8, 8])], [tensor("y", None)],
        [floats("xs", 0.1), numpy_helper.from_array(np.array(0, dtype=np.uint8), "xz"),
         zeros("w", [4, 2, 3, 3], np.uint8), floats("ws", 0.1),
         numpy_helper.from_array(np.array(0, dtype=np.uint8), "wz"), floats("ys", 0.2),
         numpy_helper.from_array(np.array(0, dtype=np.uint8), "yz")])


def unknown_op_future_opset():
    return model("unknown_op_future_opset", [
        helper.make_node("Conv", ["x", "w"], ["a"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Mystery", ["a"], ["b"], name="mystery", domain="com.example", level=3),
        helper.make_node("Relu", ["b"], ["y"], name="relu"),
    ], [tensor("x", [1, 2, 6, 6])], [tensor("y", [1, 2, 6, 6])], [zeros("w", [2, 2, 3, 3])],
        opset=99, extra_opsets=[("com.example", 1)])


def external_data():
    weight = TensorProto(name="w", data_type=FLOAT, dims=[4, 2, 3, 3])
    weight.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "weights.bin"), ("offset", "64"), ("length", "288")):
        entry = weight.external_data.add()
        entry.key, entry.value = key, value
    return model("external_data", [
        helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[3, 3]),
    ], [tensor("x", [1, 2, 9, 9])], [tensor("y", None)], [weight])


def generators():
    return model("generators", [
        helper.make_node("ConstantOfShape", ["shape"], ["ones"], name="ones",
                         value=helper.make_tensor("v", FLOAT, [1], [1.0])),
        helper.make_node("Range", ["r0", "r1", "r2"], ["ramp"], name="ramp"),
        helper.make_node("Cast", ["ramp"], ["rampf"], name="cast", to=FLOAT),
        helper.make_node("Expand", ["rampf", "eshape"], ["grid"], name="expand"),
        helper.make_node("Mul", ["grid", "ones"], ["bias"], name="scale"),
        helper.make_node("Add", ["x", "bias"], ["a"], name="add"),
        helper.make_node("Split", ["a", "split"], ["s0", "s1"], name="split", axis=1),
        helper.make_node("Clip", ["s0", "lo", "hi"], ["c0"], name="clip"),
        helper.make_node("Tile", ["s1", "reps"], ["t1"], name="tile"),
        helper.make_node("Greater", ["c0", "lo"], ["mask"], name="cmp"),
        helper.make_node("Where", ["mask", "c0", "t1"], ["y"], name="where"),
    ], [tensor("x", [1, 4, 6, 6])], [tensor("y", None)],
        [ints("shape", [1, 4, 6, 6]), ints("r0", 0), ints("r1", 6), ints("r2", 1), ints("eshape", [1, 1, 6, 6]),
         ints("split", [2, 2]), floats("lo", 0.0), floats("hi", 6.0), ints("reps", [1, 1, 1, 1])])


def if_subgraph():
    then_graph = helper.make_graph([helper.make_node("Relu", ["a"], ["t"], name="then_relu")], "then", [],
                                   [tensor("t", [1, 2, 4, 4])])
    else_graph = helper.make_graph([helper.make_node("Neg", ["a"], ["e"], name="else_neg")], "else", [],
                                   [tensor("e", [1, 2, 4, 4])])
    return model("if_subgraph", [
        helper.make_node("Conv", ["x", "w"], ["a"], name="conv", kernel_shape=[1, 1]),
        helper.make_node("If", ["cond"], ["y"], name="branch", then_branch=then_graph, else_branch=else_graph),
    ], [tensor("x", [1, 2, 4, 4])], [tensor("y", None)],
        [zeros("w", [2, 2, 1, 1]), numpy_helper.from_array(np.array(True), "cond")])


def matmul_norm():
    return model("matmul_norm", [
        helper.make_node("Reshape", ["x", "flat_shape"], ["f"], name="tokens"),
        helper.make_node("MatMul", ["f", "m"], ["a"], name="proj"),
        helper.make_node("LayerNormalization", ["a", "g", "beta"], ["n"], name="norm", axis=-1),
        helper.make_node("ReduceMean", ["n"], ["y"], name="pool", axes=[1], keepdims=0),
    ], [tensor("x", [1, 8, 4, 4])], [tensor("y", None)],
        [ints("flat_shape", [1, 8, 16]), zeros("m", [16, 6]), floats("g", [1] * 6), zeros("beta", [6])],
        opset=17)


def normalisation():
    return model("normalisation", [
        helper.make_node("ReduceMean", ["x"], ["mean"], name="mean", axes=[2, 3], keepdims=1),
        helper.make_node("Sub", ["x", "mean"], ["d"], name="centre"),
        helper.make_node("Pow", ["d", "two"], ["sq"], name="square"),
        helper.make_node("ReduceMean", ["sq"], ["var"], name="var", axes=[2, 3], keepdims=1),
        helper.make_node("Sqrt", ["var"], ["std"], name="std"),
        helper.make_node("Div", ["d", "std"], ["y"], name="normalise"),
    ], [tensor("x", [1, 3, 8, 8])], [tensor("y", None)], [floats("two", 2.0)])


def conv_variants():
    return model("conv_variants", [
        helper.make_node("Conv", ["x", "wd"], ["a"], name="depthwise", kernel_shape=[3, 3], group=4,
                         auto_pad="SAME_UPPER", strides=[2, 2]),
        helper.make_node("Conv", ["a", "wdil"], ["b"], name="dilated", kernel_shape=[3, 3], dilations=[2, 2],
                         pads=[2, 0, 1, 3]),
        helper.make_node("LeakyRelu", ["b"], ["c"], name="leaky", alpha=0.1),
        helper.make_node("HardSwish", ["c"], ["y"], name="hswish"),
    ], [tensor("x", [1, 4, 15, 13])], [tensor("y", None)],
        [zeros("wd", [4, 1, 3, 3]), zeros("wdil", [5, 4, 3, 3])], opset=14)


def sparse_weights():
    values = numpy_helper.from_array(np.array([1.0, 2.0], dtype=np.float32), "w")
    indices = numpy_helper.from_array(np.array([0, 5], dtype=np.int64), "w_indices")
    weight = helper.make_sparse_tensor(values, indices, [3, 3, 1, 1])
    return model("sparse_weights", [
        helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[1, 1]),
    ], [tensor("x", [1, 3, 5, 5])], [tensor("y", None)], sparse=[weight])


def constant_nodes():
    return model("constant_nodes", [
        helper.make_node("Constant", [], ["k"], name="k", value=helper.make_tensor("kv", FLOAT, [2, 1, 3, 3],
                                                                                   [0.0] * 18)),
        helper.make_node("Constant", [], ["axes"], name="axes", value_ints=[2]),
        helper.make_node("Conv", ["x", "k"], ["a"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Squeeze", ["a", "axes"], ["y"], name="squeeze"),
    ], [tensor("x", [1, 1, 1, 7])], [tensor("y", None)])


MODELS = [conv_relu, residual, strided_pools, concat_branches, classifier_head, shape_chain, upsample, nhwc_layout,
          conv1d, quantized, unknown_op_future_opset, external_data, generators, if_subgraph, matmul_norm,
          normalisation, conv_variants, sparse_weights, constant_nodes]


def with_output_shapes(proto):
    """Declares each output's shape as ONNX's inference finds it (the checker wants one)."""
    try:
        inferred = onnx.shape_inference.infer_shapes(proto, data_prop=True)
    except Exception:  # an unknown op or future opset: leave the outputs as they are
        return proto
    known = {info.name: info for info in list(inferred.graph.value_info) + list(inferred.graph.output)}
    for output in proto.graph.output:
        info = known.get(output.name)
        if info is not None and info.type.tensor_type.HasField("shape"):
            output.type.CopyFrom(info.type)
    return proto


def checker_finding(proto):
    try:
        onnx.checker.check_model(proto)
    except Exception as error:
        return str(error).splitlines()[0]
    return ""


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    os.makedirs(out_dir, exist_ok=True)
    for make in MODELS:
        path = os.path.join(out_dir, make.__name__ + ".onnx")
        proto = with_output_shapes(make())
        finding = checker_finding(proto)
        data = proto.SerializeToString()
        assert len(data) < 50_000, path
        with open(path, "wb") as file:
            file.write(data)
        print(f"{path}: {len(data)} bytes" + (f" (checker: {finding})" if finding else ""))


if __name__ == "__main__":
    main()

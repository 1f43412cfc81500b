// The operator table: one row per op type, and the rows' columns consistent with each other.
#include "bufopt/onnx/operator_table.h"

#include <algorithm>
#include <set>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "bufopt/onnx/op_node.h"
#include "bufopt/onnx/operator_rules.h"
#include "bufopt/onnx/shape_rules.h"

namespace bufopt::onnx {
namespace {

TEST(OperatorTable, OneRowPerOpTypeFoundByName) {
  std::set<std::string_view> seen;
  for (const OperatorRow& row : operator_table()) {
    EXPECT_TRUE(seen.insert(row.op_type).second) << row.op_type << " has two rows (the second is never read)";
    EXPECT_EQ(find_operator(row.op_type), &row) << row.op_type;
  }
  EXPECT_EQ(find_operator("NoSuchOperator"), nullptr);
  EXPECT_EQ(find_operator("relu"), nullptr);  // ONNX op types are case-sensitive
}

TEST(OperatorTable, FusableOperatorsAreElementwiseWithAShapeRule) {
  // Fusion keeps the producer's geometry (MODEL 2.1): only an element-wise operator may fuse.
  for (const OperatorRow& row : operator_table()) {
    if (!row.fusable) continue;
    EXPECT_EQ(row.kind, OperatorKind::kElementwise) << row.op_type;
    EXPECT_NE(row.shape_rule, ShapeRule::kNone) << row.op_type;
  }
  EXPECT_TRUE(find_operator("Relu")->fusable);
  EXPECT_TRUE(find_operator("BatchNormalization")->fusable);
  EXPECT_FALSE(find_operator("Where")->fusable);  // element-wise, not in MODEL 2.1's list
  EXPECT_FALSE(find_operator("Conv")->fusable);
}

TEST(OperatorTable, ShapeRulesAndModellingFollowTheRows) {
  OpNode node;
  node.op_type = "NegativeLogLikelihoodLoss";  // a shape rule, not modelled along the streaming axis
  EXPECT_TRUE(has_shape_rule(node));
  const std::vector<std::string> modelled = modelled_operators();
  EXPECT_EQ(std::count(modelled.begin(), modelled.end(), "NegativeLogLikelihoodLoss"), 0);
  node.op_type = "GroupNormalization";  // modelled, ONNX's own shape inference only
  EXPECT_FALSE(has_shape_rule(node));
  EXPECT_EQ(std::count(modelled.begin(), modelled.end(), "GroupNormalization"), 1);
  node.op_type = "Loop";  // known, unsupported
  EXPECT_FALSE(has_shape_rule(node));
  EXPECT_EQ(std::count(modelled.begin(), modelled.end(), "Loop"), 0);
  node.op_type = "Conv";
  EXPECT_TRUE(has_shape_rule(node));
  node.domain = "com.microsoft";  // the table is the default domain's
  EXPECT_FALSE(has_shape_rule(node));
}

}  // namespace
}  // namespace bufopt::onnx

// The slot-indexed recency order shared by the prefix cache, the KV offload tiers and the
// prefix-aware router (policies/recency_list.hpp): orders written out by hand.
#include "stratum/policies/recency_list.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace stratum::policies {
namespace {

std::vector<int32_t> order(const RecencyList& l) {
  std::vector<int32_t> out;
  for (int32_t s = l.least_recent(); s != RecencyList::kNone; s = l.more_recent(s)) out.push_back(s);
  return out;
}

TEST(RecencyList, KeepsLeastToMostRecent) {
  RecencyList l(4);
  EXPECT_EQ(l.least_recent(), RecencyList::kNone);
  for (int32_t s : {2, 0, 3}) l.push_most_recent(s);
  EXPECT_EQ(order(l), (std::vector<int32_t>{2, 0, 3}));
  // Touching the least recent moves it to the end; unlinking the middle and the ends relinks.
  l.unlink(2);
  l.push_most_recent(2);
  EXPECT_EQ(order(l), (std::vector<int32_t>{0, 3, 2}));
  l.unlink(3);
  EXPECT_EQ(order(l), (std::vector<int32_t>{0, 2}));
  l.unlink(0);
  l.unlink(2);
  EXPECT_EQ(l.least_recent(), RecencyList::kNone);
  l.push_most_recent(1);
  EXPECT_EQ(order(l), (std::vector<int32_t>{1}));
}

TEST(RecencyList, GrowsBySlotsOutsideTheOrder) {
  RecencyList l;
  EXPECT_EQ(l.slots(), 0u);
  l.add_slot();
  l.add_slot();
  EXPECT_EQ(l.slots(), 2u);
  EXPECT_EQ(l.least_recent(), RecencyList::kNone);
  l.push_most_recent(1);
  l.push_most_recent(0);
  EXPECT_EQ(order(l), (std::vector<int32_t>{1, 0}));
}

}  // namespace
}  // namespace stratum::policies

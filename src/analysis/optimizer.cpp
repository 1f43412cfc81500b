#include "bufopt/analysis/optimizer.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <tuple>

#include "bufopt/analysis/arena.h"
#include "bufopt/analysis/buffer_usage.h"
#include "bufopt/analysis/schedule.h"
#include "bufopt/analysis/segment_cuts.h"
#include "bufopt/analysis/segment_schedule.h"
#include "bufopt/analysis/shared_storage.h"
#include "bufopt/analysis/structured_candidates.h"
#include "bufopt/analysis/time_model.h"
#include "bufopt/dataflow/network.h"
#include "bufopt/graph/checked_math.h"

namespace bufopt::analysis {

namespace {

constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();

/// Step 2 scores every threshold rank up to this one (all of them on small graphs and on
/// networks of ResNet-50's size); beyond, a bounded sample (Search::coarse_thresholds) refined
/// around its best rank: at most 64 + 16 + 17 + 2 * 16 candidates per pass however deep the
/// network (32 and 8 rounds lost up to 18% on ResNet-50/152 with the gpu preset, where R binds).
constexpr size_t kEveryThresholdUpTo = 64;
constexpr size_t kLevelThresholds = 16;
constexpr size_t kGeometricThresholds = 16;
/// Refinement rounds, each scoring at most two ranks halfway to the best rank's neighbours.
constexpr int kThresholdRefinements = 16;

/// Best plans of the search (by the quick score) evaluated in full at the end.
constexpr size_t kFinalists = 4;

/// Phase counts per actor (the threshold family's and the large moves' unit; g = ceil(H / P)).
using PhasePlan = std::vector<int64_t>;

/// A candidate: rows per firing of every actor and, optionally, segment cuts. Granularities,
/// not phase counts: several granularities share a phase count (H = 4: g = 2 and 3 both fire
/// twice) and differ in what they buffer. cut_before[a] != 0 starts a new segment at actor a;
/// empty: no cuts, the demand-driven order (pull_schedule).
struct Plan {
  std::vector<int64_t> rows;
  std::vector<char> cut_before;
  /// With Moves::kPhaseCounts, the phase counts the search moves (rows = granularity of them;
  /// the moves double and halve these, not the rounded counts); empty otherwise.
  PhasePlan counts;
  friend auto operator<=>(const Plan&, const Plan&) = default;
};

/// Segment per actor of a cut plan.
std::vector<int32_t> segments_of(const std::vector<char>& cut_before) {
  std::vector<int32_t> segment(cut_before.size(), 0);
  for (size_t a = 1; a < cut_before.size(); ++a) segment[a] = segment[a - 1] + (cut_before[a] ? 1 : 0);
  return segment;
}

/// Smaller arena, then fewer firings, then smaller FIFO sum.
bool better(const Evaluation& a, const Evaluation& b) {
  return std::tuple(a.shared_bytes(), a.schedule.firings.size(), a.fifo_bytes) <
         std::tuple(b.shared_bytes(), b.schedule.firings.size(), b.fifo_bytes);
}

/// The local search's moves of one actor.
enum class Moves {
  kGranularities,  ///< every granularity of a small actor; exchanges of firings between actors
  kPhaseCounts,    ///< phase counts only (the smallest granularity of each), no exchanges
};

/// What the search minimises, in order: arena, extra firings (time), FIFO sum.
using Cost = std::tuple<int64_t, int64_t, int64_t>;

/// What a plan's figures depend on: its granularities and cuts (not the search that asks, nor
/// R, which changes no figure of a plan, only whether it fits).
using PlanKey = std::pair<std::vector<int64_t>, std::vector<char>>;

/// Figures of plans computed so far, shared by the searches of one optimize() (the searches of
/// its levels and move sets meet many of the same plans). Each search still counts a plan it
/// takes from here as one of its evaluations, so sharing changes no answer, only the time.
struct PlanMemo {
  std::map<PlanKey, Cost> complete_costs;   ///< quick costs whose replay ran to the end
  std::map<PlanKey, Evaluation> evaluated;  ///< plans evaluated in full
};

/// The search state shared by the steps: the graph, the options and the best plan so far.
class Search {
 public:
  Search(const graph::Graph& graph, const AnalysisOptions& options, PlanMemo& memo, Moves moves = Moves::kGranularities)
      : graph_(graph),
        options_(options),
        memo_(memo),
        moves_(moves),
        budget_(extra_firing_budget(graph, options)),
        networks_(graph, {options.stream_io}) {
    for (size_t a = 0; a < graph.actors.size(); ++a) {
      const auto id = static_cast<graph::ActorId>(a);
      max_phases_.push_back(graph.actors[a].barrier ? 1 : dataflow::phase_rows(graph, id));
    }
  }

  /// Scores `plan` if it fits the budget and keeps it when it beats the best. Returns its
  /// cost, or nullopt when it does not fit. A plan scored before is not scored again (and not
  /// counted): it lost then, and the best has only improved since.
  ///
  /// With `drop_losers`, a plan is dropped as soon as its replay shows it cannot beat the best
  /// (UsageReplay::live_bytes_so_far above the best arena, or at it when the plan has more
  /// extra firings) and recorded with that lower bound instead of its arena: exact for "does
  /// it win", which is all the local search asks. The threshold family compares the costs of
  /// losing ranks too, so it scores every plan in full.
  std::optional<Cost> consider(const Plan& plan, bool drop_losers = false) {
    const int64_t extra = extra_firings(plan.rows);
    if (extra > budget_) return std::nullopt;
    const auto [seen, fresh] = scored_.try_emplace(plan);
    if (!fresh) return seen->second;
    ++evaluations_;
    int64_t beat = kUnlimited;
    if (drop_losers && has_best_) {
      // With more extra firings than the best, only a strictly smaller arena wins.
      beat = std::get<0>(best_cost_) - (extra > std::get<1>(best_cost_) ? 1 : 0);
    }
    const Cost cost = quick_cost(plan, extra, beat);
    seen->second = cost;
    if (!has_best_ || cost < best_cost_) {
      has_best_ = true;
      best_cost_ = cost;
      best_plan_ = plan;
      runners_up_.push_back(plan);
      if (runners_up_.size() > kFinalists) runners_up_.erase(runners_up_.begin());
    }
    return cost;
  }

  /// Whether `plan` is the best plan so far (right after consider(plan): whether it won).
  bool is_best(const Plan& plan) const { return plan == best_plan_; }

  /// Extra firings of every actor at one row per firing: no plan has more.
  int64_t most_extra_firings() const {
    int64_t total = 0;
    for (int64_t phases : max_phases_) total = graph::saturating_add(total, std::max<int64_t>(phases, 1) - 1);
    return total;
  }

  /// Whether `plan` fits the current budget.
  bool fits(const Plan& plan) const { return extra_firings(plan.rows) <= budget_; }

  /// The budget of extra firings of the level being searched (run_search raises it level by
  /// level; a plan that fitted before still fits).
  void set_budget(int64_t budget) { budget_ = budget; }

  /// The last kFinalists best plans (the best last), each evaluated with every scheduling
  /// variant (evaluate_plan), and the one with the smallest arena (then fewer firings, then the
  /// smaller FIFO sum; ties: the later). Its arena is at most the best quick score, since the
  /// quick schedule is one of the variants; a finalist the quick score ranked lower can still
  /// win once every variant is tried.
  Evaluation evaluate_best() {
    std::optional<Evaluation> winner;
    for (const Plan& plan : runners_up_) {
      Evaluation evaluation = evaluate_in_full(plan);
      if (!winner || final_cost(evaluation) <= final_cost(*winner)) winner = std::move(evaluation);
    }
    return std::move(*winner);
  }

  /// `plan` evaluated with every demand-driven variant (evaluate_plan) and in the eager order
  /// of its segments (one segment when it has no cuts): the smaller arena (memoised).
  const Evaluation& evaluate_in_full(const Plan& plan) {
    const auto [found, fresh] = memo_.evaluated.try_emplace(PlanKey{plan.rows, plan.cut_before});
    if (!fresh) return found->second;
    const std::vector<int64_t>& rows = plan.rows;
    Evaluation evaluation = evaluate_plan(graph_, rows, options_);
    // A plan without cuts is also tried in the eager order of one segment: it fires a reader
    // as soon as it can (the demand-driven order can leave a whole buffer alive for longer).
    const std::vector<int32_t> segment =
        plan.cut_before.empty() ? std::vector<int32_t>(graph_.actors.size(), 0) : segments_of(plan.cut_before);
    const dataflow::Network& network = networks_.build(rows);
    Evaluation segmented = evaluate_schedule(graph_, rows, segment_schedule(network, segment), options_);
    if (better(segmented, evaluation)) evaluation = std::move(segmented);
    found->second = std::move(evaluation);
    return found->second;
  }

  /// The plan of an evaluation with the given cuts (none: empty), in this search's units
  /// (a barrier at granularity 1, as granularity() gives it).
  Plan plan_of(const Evaluation& evaluation, std::vector<char> cut_before) const {
    std::vector<int64_t> rows = evaluation.granularity();
    for (size_t a = 0; a < rows.size(); ++a)
      rows[a] = std::clamp<int64_t>(rows[a], 1, std::max<int64_t>(max_phases_[a], 1));
    return {std::move(rows), std::move(cut_before), {}};
  }

  static Cost final_cost(const Evaluation& evaluation) {
    return {evaluation.shared_bytes(), static_cast<int64_t>(evaluation.schedule.firings.size()), evaluation.fifo_bytes};
  }

  /// Actor ids, those next to the largest whole tensors first (ties: graph order).
  std::vector<graph::ActorId> ranked_actors() const {
    std::vector<graph::ActorId> order(graph_.actors.size());
    std::iota(order.begin(), order.end(), 0);
    std::vector<int64_t> key(order.size(), 0);
    for (size_t a = 0; a < graph_.actors.size(); ++a) key[a] = largest_tensor_touched(graph_.actors[a]);
    std::stable_sort(order.begin(), order.end(), [&](graph::ActorId x, graph::ActorId y) {
      return key[static_cast<size_t>(x)] > key[static_cast<size_t>(y)];
    });
    return order;
  }

  /// Step 2: split the k highest-ranked actors, for every k or, on deep networks, a bounded
  /// sample of k. Twice when the graph has streaming reductions: with them and with them kept
  /// whole (splitting a reduction next to a big tensor can spend the budget a split elsewhere
  /// would have used better).
  void threshold_family(const std::vector<graph::ActorId>& ranked) {
    consider(from_phases(PhasePlan(graph_.actors.size(), 1)));
    std::vector<graph::ActorId> splittable;
    std::vector<graph::ActorId> without_reductions;
    for (graph::ActorId actor : ranked) {
      if (max_phases_[static_cast<size_t>(actor)] <= 1) continue;
      splittable.push_back(actor);
      if (!graph_.actors[static_cast<size_t>(actor)].streaming_reduction) without_reductions.push_back(actor);
    }
    threshold_ranks(splittable);
    if (without_reductions.size() < splittable.size()) threshold_ranks(without_reductions);
  }

  /// Step 2 over one list of splittable actors, in rank order.
  void threshold_ranks(const std::vector<graph::ActorId>& splittable) {
    const size_t feasible = feasible_thresholds(splittable);
    std::map<size_t, Cost> by_rank;  // k -> cost of splitting the k first
    auto score = [&](size_t k) {
      if (k == 0 || k > feasible || by_rank.count(k)) return;
      const PhasePlan phases = threshold_plan(splittable, k);
      by_rank[k] = phases.empty() ? Cost{kUnlimited, kUnlimited, kUnlimited}
                                  : consider(from_phases(phases)).value_or(Cost{kUnlimited, kUnlimited, kUnlimited});
    };
    // The first ranks (the actors next to the largest tensors) one by one, the rest sampled.
    for (size_t k = 1; k <= std::min(feasible, kEveryThresholdUpTo); ++k) score(k);
    if (feasible <= kEveryThresholdUpTo) return;
    for (size_t k : coarse_thresholds(splittable, feasible)) score(k);
    // Refine around the best rank: halve the gaps to its evaluated neighbours.
    for (int round = 0; round < kThresholdRefinements; ++round) {
      const auto best = std::min_element(by_rank.begin(), by_rank.end(),
                                         [](const auto& x, const auto& y) { return x.second < y.second; });
      const size_t k = best->first;
      const size_t below = best == by_rank.begin() ? 0 : std::prev(best)->first;
      const size_t above = std::next(best) == by_rank.end() ? k : std::next(best)->first;
      if (k - below <= 1 && above - k <= 1) break;
      score((below + k) / 2);
      score((k + above + 1) / 2);
    }
  }

  /// Step 3: improve the best plan one actor at a time.
  void local_search(const std::vector<graph::ActorId>& ranked, int max_evaluations) {
    const int stop_at = evaluations_ + max_evaluations;
    bool improved = true;
    while (improved && evaluations_ < stop_at) {
      improved = false;
      for (graph::ActorId actor : ranked) {
        // One actor alone, then the actor with its readers: streaming a buffer only pays off
        // when both its ends split, which single moves cannot reach from "both whole".
        for (const std::vector<graph::ActorId>& group : {std::vector<graph::ActorId>{actor}, with_readers(actor)}) {
          const auto a = static_cast<size_t>(actor);
          if (max_phases_[a] <= 1) continue;
          const bool by_counts = moves_ == Moves::kPhaseCounts;
          for (int64_t value : alternatives(by_counts ? best_plan_.counts[a] : best_plan_.rows[a], max_phases_[a])) {
            if (evaluations_ >= stop_at) return;
            // The actor at `value` (a phase count or a granularity); its readers at the same
            // phase count.
            const int64_t phases = by_counts ? value : graph::ceil_div(max_phases_[a], value);
            Plan candidate = best_plan_;
            for (graph::ActorId member : group) {
              const auto m = static_cast<size_t>(member);
              const int64_t count = std::min(phases, max_phases_[m]);
              if (by_counts) candidate.counts[m] = count;
              candidate.rows[m] = member == actor && !by_counts ? value : graph::ceil_div(max_phases_[m], count);
            }
            if (candidate == best_plan_) continue;
            consider(candidate, true);
            improved = is_best(candidate) || improved;
          }
        }
      }
      for (Plan& candidate : cut_moves()) {
        if (evaluations_ >= stop_at) return;
        consider(candidate, true);
        improved = is_best(candidate) || improved;
      }
      if (improved || moves_ == Moves::kPhaseCounts) continue;
      // Stops at the first exchange that wins (or at the evaluation cap).
      exchange_moves(ranked, [&](const Plan& candidate) {
        if (evaluations_ >= stop_at) return false;
        consider(candidate, true);
        improved = is_best(candidate);
        return !improved;
      });
    }
  }

  /// When no single move improves: moves that spend firings on one actor beyond the budget and
  /// take them back from another (the budget binds and the best plan spends it on the wrong
  /// actor; no single move can go from one to the other). For each actor and finer granularity
  /// that does not fit, each other split actor made coarser by just the excess phases.
  /// Each move goes to `visit` (generated one at a time: there are actors^2 of them) until it
  /// returns false.
  void exchange_moves(const std::vector<graph::ActorId>& ranked, const std::function<bool(const Plan&)>& visit) const {
    const int64_t spent = extra_firings(best_plan_.rows);
    auto phases_of = [&](size_t a, int64_t rows) {
      return graph::ceil_div(std::max<int64_t>(max_phases_[a], 1), rows);
    };
    for (graph::ActorId actor : ranked) {
      const auto a = static_cast<size_t>(actor);
      if (max_phases_[a] <= 1) continue;
      const int64_t now = phases_of(a, best_plan_.rows[a]);
      for (int64_t rows : alternatives(best_plan_.rows[a], max_phases_[a])) {
        const int64_t excess = spent + phases_of(a, rows) - now - budget_;
        if (excess <= 0) continue;
        for (graph::ActorId other : ranked) {
          const auto b = static_cast<size_t>(other);
          const int64_t phases = phases_of(b, best_plan_.rows[b]);
          if (b == a || phases - excess < 1) continue;
          Plan candidate = best_plan_;
          candidate.rows[a] = rows;
          candidate.rows[b] = graph::ceil_div(max_phases_[b], phases - excess);
          if (extra_firings(candidate.rows) <= budget_ && !visit(candidate)) return;
        }
      }
    }
  }

  /// Moves of the best plan's cuts: each cut removed or shifted by one actor either way, and
  /// every cut dropped (the demand-driven order).
  std::vector<Plan> cut_moves() const {
    std::vector<Plan> moves;
    const std::vector<char>& cuts = best_plan_.cut_before;
    if (cuts.empty()) return moves;
    moves.push_back({best_plan_.rows, {}, best_plan_.counts});
    for (size_t a = 1; a < cuts.size(); ++a) {
      if (!cuts[a]) continue;
      Plan removed = best_plan_;
      removed.cut_before[a] = 0;
      moves.push_back(removed);
      for (size_t to : {a - 1, a + 1}) {
        if (to == 0 || to >= cuts.size() || cuts[to]) continue;
        Plan shifted = removed;
        shifted.cut_before[to] = 1;
        moves.push_back(std::move(shifted));
      }
    }
    return moves;
  }

  const Plan& best_plan() const { return best_plan_; }

  /// `plan` in phase counts (Moves::kPhaseCounts' units): each actor at the smallest
  /// granularity of its phase count, the cuts kept.
  Plan as_phase_counts(const Plan& plan) const {
    PhasePlan counts(plan.rows.size(), 1);
    for (size_t a = 0; a < counts.size(); ++a) {
      const int64_t height = std::max<int64_t>(max_phases_[a], 1);
      counts[a] = graph::ceil_div(height, std::clamp<int64_t>(plan.rows[a], 1, height));
    }
    Plan result = from_phases(counts);
    result.cut_before = plan.cut_before;
    return result;
  }

  /// Candidates scored so far.
  int evaluations() const { return evaluations_; }

 private:
  /// The arena and FIFO sum of `plan` under the default pull order, placed greedy by size: a
  /// fraction of evaluate_plan's cost, which tries every variant and placement. Stops as soon
  /// as the live bytes exceed `beat` (no placement can then be <= beat) and returns that lower
  /// bound as the arena, with an unknown (saturated) FIFO sum.
  /// A complete cost another search (or this one) computed is reused: above `beat`, it loses
  /// as the lower bound would.
  Cost quick_cost(const Plan& plan, int64_t extra, int64_t beat) {
    PlanKey key{plan.rows, plan.cut_before};
    if (const auto known = memo_.complete_costs.find(key); known != memo_.complete_costs.end()) return known->second;
    const dataflow::Network& network = networks_.build(plan.rows);
    UsageReplay replay(network);
    const FiringObserver observe = [&](dataflow::NodeId node) {
      replay.fire(node);
      return replay.live_bytes_so_far() <= beat;
    };
    const bool complete = plan.cut_before.empty() ? pull_schedule(network, PullOptions{}, observe)
                                                  : segment_schedule(network, segments_of(plan.cut_before), observe);
    if (!complete) return {replay.live_bytes_so_far(), extra, kUnlimited};
    const std::vector<ArenaRequest> requests = channel_requests(network, replay.finish());
    int64_t fifo = 0;
    for (const ArenaRequest& request : requests) fifo = graph::checked_add(fifo, request.size).value_or(kUnlimited);
    const Cost cost{place_greedy_by_size(requests).size, extra, fifo};
    memo_.complete_costs.emplace(std::move(key), cost);
    return cost;
  }

  std::vector<int64_t> granularity(const PhasePlan& plan) const {
    std::vector<int64_t> result(plan.size());
    for (size_t a = 0; a < plan.size(); ++a) result[a] = graph::ceil_div(std::max<int64_t>(max_phases_[a], 1), plan[a]);
    return result;
  }

  /// Extra firings of granularities `rows` (saturating).
  int64_t extra_firings(const std::vector<int64_t>& rows) const {
    int64_t total = 0;
    for (size_t a = 0; a < rows.size(); ++a) {
      const int64_t height = std::max<int64_t>(max_phases_[a], 1);
      const int64_t phases = graph::ceil_div(height, std::clamp<int64_t>(rows[a], 1, height));
      total += phases - 1;
      if (total < 0) return kUnlimited;
    }
    return total;
  }

  /// The largest k for which threshold_plan(splittable, k) fits the budget: every k up to it
  /// fits (whole split or evenly shared), none beyond.
  size_t feasible_thresholds(const std::vector<graph::ActorId>& splittable) const {
    const auto sharable = static_cast<size_t>(std::min<int64_t>(budget_, static_cast<int64_t>(splittable.size())));
    int64_t extra = 0;
    size_t whole_split = 0;  // the k first fit at one row per firing
    for (graph::ActorId actor : splittable) {
      extra = graph::checked_add(extra, max_phases_[static_cast<size_t>(actor)] - 1).value_or(kUnlimited);
      if (extra > budget_) break;
      ++whole_split;
    }
    return std::max(sharable, whole_split);
  }

  /// The k first actors of `splittable` at one row per firing, or sharing the budget evenly when
  /// that does not fit (empty when even that does not fit: k > feasible_thresholds).
  PhasePlan threshold_plan(const std::vector<graph::ActorId>& splittable, size_t k) const {
    const std::vector<graph::ActorId> split(splittable.begin(), splittable.begin() + static_cast<ptrdiff_t>(k));
    PhasePlan plan(graph_.actors.size(), 1);
    for (graph::ActorId a : split) plan[static_cast<size_t>(a)] = max_phases_[static_cast<size_t>(a)];
    return extra_firings(granularity(plan)) > budget_ ? evenly_shared(split) : plan;
  }

  /// Ranks k in (kEveryThresholdUpTo, feasible] worth scoring when there are too many to score
  /// them all: the ends of the levels of equal tensor size (split every actor touching a tensor
  /// of at least that size; at most kLevelThresholds of them, evenly spaced), a geometric
  /// sequence of ranks (at most kGeometricThresholds) and `feasible`. Ascending, no repeats.
  std::vector<size_t> coarse_thresholds(const std::vector<graph::ActorId>& splittable, size_t feasible) const {
    std::vector<size_t> ends;
    for (size_t k = kEveryThresholdUpTo + 1; k < feasible; ++k) {
      if (key(splittable[k - 1]) != key(splittable[k])) ends.push_back(k);
    }
    std::vector<size_t> ranks;
    const size_t stride = (ends.size() + kLevelThresholds - 1) / kLevelThresholds;
    for (size_t i = 0; i < ends.size(); i += std::max<size_t>(stride, 1)) ranks.push_back(ends[i]);
    // Growth such that kGeometricThresholds steps reach `feasible` (at least 1.2 per step).
    const auto first = static_cast<double>(kEveryThresholdUpTo);
    const auto last = static_cast<double>(feasible);
    const double growth = std::max(1.2, std::pow(last / first, 1.0 / static_cast<double>(kGeometricThresholds)));
    for (double k = std::ceil(first * growth); k < last; k = std::max(k + 1, std::ceil(k * growth))) {
      ranks.push_back(static_cast<size_t>(k));
    }
    ranks.push_back(feasible);
    std::sort(ranks.begin(), ranks.end());
    ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
    return ranks;
  }

  int64_t key(graph::ActorId actor) const { return largest_tensor_touched(graph_.actors[static_cast<size_t>(actor)]); }

  /// Every actor of `split` at the same phase count, as large as the budget allows (>= 2);
  /// empty when even 2 phases each do not fit.
  PhasePlan evenly_shared(const std::vector<graph::ActorId>& split) const {
    const int64_t each = budget_ / static_cast<int64_t>(split.size()) + 1;
    if (each < 2) return {};
    PhasePlan plan(graph_.actors.size(), 1);
    for (graph::ActorId a : split) plan[static_cast<size_t>(a)] = std::min(each, max_phases_[static_cast<size_t>(a)]);
    return plan;
  }

  /// `actor` and the actors reading its outputs (only when it has such readers).
  std::vector<graph::ActorId> with_readers(graph::ActorId actor) const {
    std::vector<graph::ActorId> group = {actor};
    for (graph::BufferId output : graph_.actors[static_cast<size_t>(actor)].outputs) {
      for (graph::ActorId reader : graph_.buffers[static_cast<size_t>(output)].consumers) {
        if (std::find(group.begin(), group.end(), reader) == group.end()) group.push_back(reader);
      }
    }
    return group;
  }

  /// Granularities to try for one actor of `height` rows now at `current` (phase counts with
  /// kPhaseCounts: phase_count_alternatives): every one when there are few rows, otherwise
  /// whole, one row per firing, and halving / doubling / quartering moves of the phase count
  /// (each at the smallest granularity of its phase count).
  std::vector<int64_t> alternatives(int64_t current, int64_t height) const {
    constexpr int64_t kTryEveryCountUpTo = 16;
    if (moves_ == Moves::kPhaseCounts) return phase_count_alternatives(current, height);
    std::vector<int64_t> options;
    if (height <= kTryEveryCountUpTo) {
      for (int64_t g = height; g >= 1; --g) options.push_back(g);
    } else {
      const int64_t phases = graph::ceil_div(height, current);
      for (int64_t p : {int64_t{1}, height, phases * 2, phases / 2, height / 2, height / 4, phases + 1, phases - 1}) {
        options.push_back(graph::ceil_div(height, std::clamp<int64_t>(p, 1, height)));
      }
    }
    std::vector<int64_t> result;
    for (int64_t g : options) {
      if (g != current && std::find(result.begin(), result.end(), g) == result.end()) result.push_back(g);
    }
    return result;
  }

  /// Moves::kPhaseCounts: phase counts to try for an actor now at `current` phases: every count
  /// when there are few rows, otherwise whole, one row per firing, and halving / doubling /
  /// quartering moves around the current count.
  static std::vector<int64_t> phase_count_alternatives(int64_t current, int64_t max_phases) {
    constexpr int64_t kTryEveryCountUpTo = 16;
    std::vector<int64_t> options;
    if (max_phases <= kTryEveryCountUpTo) {
      for (int64_t p = 1; p <= max_phases; ++p) options.push_back(p);
    } else {
      options = {1, max_phases, current * 2, current / 2, max_phases / 2, max_phases / 4, current + 1, current - 1};
    }
    std::vector<int64_t> result;
    for (int64_t p : options) {
      p = std::clamp<int64_t>(p, 1, max_phases);
      if (p != current && std::find(result.begin(), result.end(), p) == result.end()) result.push_back(p);
    }
    return result;
  }

  /// The plan of phase counts `phases` (kept as the moves' state with kPhaseCounts), no cuts.
  Plan from_phases(const PhasePlan& phases) const {
    return {granularity(phases), {}, moves_ == Moves::kPhaseCounts ? phases : PhasePlan{}};
  }

  int64_t largest_tensor_touched(const graph::Actor& actor) const {
    int64_t largest = 0;
    for (graph::BufferId id : actor.inputs)
      largest = std::max(largest, graph_.buffers[static_cast<size_t>(id)].tensor_bytes());
    for (graph::BufferId id : actor.outputs)
      largest = std::max(largest, graph_.buffers[static_cast<size_t>(id)].tensor_bytes());
    return largest;
  }

  const graph::Graph& graph_;
  const AnalysisOptions& options_;
  PlanMemo& memo_;
  Moves moves_;
  int64_t budget_;
  dataflow::NetworkBuilder networks_;  ///< the candidates' networks, rebuilt where they differ
  std::vector<int64_t> max_phases_;
  bool has_best_ = false;
  Cost best_cost_;
  Plan best_plan_;
  std::vector<Plan> runners_up_;  ///< the last kFinalists best plans, oldest first
  std::map<Plan, Cost> scored_;   ///< every plan this search scored, with its cost
  int evaluations_ = 0;
};

/// The cuts of a segment per actor (empty: none).
std::vector<char> cuts_of(const std::vector<int32_t>& segment) {
  std::vector<char> cut_before(segment.size(), 0);
  for (size_t a = 1; a < segment.size(); ++a) cut_before[a] = segment[a] != segment[a - 1] ? 1 : 0;
  return cut_before;
}

/// The previous optimizer's path at `options.max_slowdown`, in a fresh state: the threshold
/// family, then the local search over phase counts from its best, the finalists evaluated.
struct ThresholdSearchResult {
  Evaluation evaluation;
  Plan plan;
  int threshold_evaluations = 0;
  int local_evaluations = 0;
};

ThresholdSearchResult threshold_search(const graph::Graph& graph, const AnalysisOptions& options,
                                       const OptimizerLimits& limits, const std::vector<graph::ActorId>& ranked,
                                       PlanMemo& memo) {
  Search search(graph, options, memo, Moves::kPhaseCounts);
  ThresholdSearchResult result;
  search.threshold_family(ranked);
  result.threshold_evaluations = search.evaluations();
  search.local_search(ranked, limits.max_local_evaluations);
  result.local_evaluations = search.evaluations() - result.threshold_evaluations;
  result.evaluation = search.evaluate_best();
  result.plan = search.best_plan();
  return result;
}

/// Steps 1-7 of the header at every level of slowdown_levels(options.max_slowdown), one search
/// state carried from level to level.
Evaluation run_search(const graph::Graph& graph, const AnalysisOptions& options, const OptimizerLimits& limits,
                      const std::vector<Plan>& seeds, Plan* chosen, OptimizerStats* stats) {
  PlanMemo memo;
  Search search(graph, options, memo);
  Search released(graph, options, memo, Moves::kPhaseCounts);
  const SegmentCuts cuts(graph, options.stream_io);
  const std::vector<graph::ActorId> ranked = search.ranked_actors();
  std::map<std::pair<std::vector<int64_t>, std::vector<int32_t>>, Evaluation> candidates_evaluated;
  std::optional<Evaluation> answer;
  const bool sharing = shared_storage(options);
  auto keep = [&](const Evaluation& evaluation) {
    if (!answer || better(evaluation, *answer)) answer = evaluation;
    // MODEL 4.1: each kept plan also with the in-place writes its order allows and its
    // zero-copy Concats (the search itself scores FIFO figures, so no answer is above its own).
    if (sharing) {
      Evaluation shared = with_shared_storage(graph, evaluation, options, false);
      if (better(shared, *answer)) answer = std::move(shared);
    }
  };
  OptimizerStats counted;
  int64_t previous_budget = -1;
  for (double level : slowdown_levels(options.max_slowdown)) {
    AnalysisOptions at = options;
    at.max_slowdown = level;
    const int64_t budget = extra_firing_budget(graph, at);
    // A level whose predecessor could already afford every firing has nothing new to find.
    if (previous_budget >= search.most_extra_firings()) continue;
    previous_budget = budget;
    search.set_budget(budget);
    released.set_budget(budget);
    int before = search.evaluations();
    search.threshold_family(ranked);
    counted.threshold_evaluations += search.evaluations() - before;
    // Step 3: the previous optimizer, a search of its own at this level (its local optimum can
    // beat the one reached from the candidates): kept as a candidate, its best plan a start.
    const ThresholdSearchResult previous = threshold_search(graph, at, limits, ranked, memo);
    keep(previous.evaluation);
    counted.threshold_evaluations += previous.threshold_evaluations;
    counted.local_evaluations += previous.local_evaluations;
    search.consider({previous.plan.rows, previous.plan.cut_before, {}});
    before = search.evaluations();
    // Every plan the candidates evaluate (the DP's few best included) is also a start.
    std::vector<Plan> candidate_plans;
    const std::vector<StructuredCandidate> candidates = structured_candidates(
        graph, at, cuts, [&](const std::vector<int64_t>& granularity, const std::vector<int32_t>& segment) {
          const auto [found, fresh] = candidates_evaluated.try_emplace({granularity, segment});
          if (fresh) found->second = evaluate_candidate(graph, granularity, segment, at);
          candidate_plans.push_back(search.plan_of(found->second, cuts_of(segment)));
          search.consider(candidate_plans.back());
          return found->second;
        });
    for (const StructuredCandidate& candidate : candidates) keep(candidate.evaluation);
    for (const Plan& seed : seeds) {
      if (search.fits(seed)) search.consider(seed);
    }
    counted.candidate_evaluations += search.evaluations() - before;
    before = search.evaluations();
    const Plan start = search.best_plan();
    search.local_search(ranked, limits.max_local_evaluations);
    counted.local_evaluations += search.evaluations() - before;
    keep(search.evaluate_best());
    // Step 5 again with phase-count moves only, from the same start: neither move set reaches
    // every local optimum the other does (granularity moves stop at some the phase-count
    // moves escape), so both are run and the smaller kept.
    Search by_counts(graph, at, memo, Moves::kPhaseCounts);
    const Plan counted_start = by_counts.as_phase_counts(start);
    if (by_counts.fits(counted_start)) {
      by_counts.consider(counted_start);
      before = by_counts.evaluations();
      by_counts.local_search(ranked, limits.max_local_evaluations / 3);
      counted.local_evaluations += by_counts.evaluations() - before;
      keep(by_counts.evaluate_best());
    }
    // The previous release's path (issue 13's first landing, its state carried across levels):
    // its answer is kept, so no answer is above that release's.
    before = released.evaluations();
    released.threshold_family(ranked);
    counted.threshold_evaluations += released.evaluations() - before;
    before = released.evaluations();
    released.local_search(ranked, limits.max_local_evaluations / 3);
    for (const Plan& plan : candidate_plans) released.consider(released.as_phase_counts(plan));
    for (const Plan& seed : seeds) {
      const Plan counted_seed = released.as_phase_counts(seed);
      if (released.fits(counted_seed)) released.consider(counted_seed);
    }
    released.local_search(ranked, limits.max_local_evaluations);
    counted.local_evaluations += released.evaluations() - before;
    keep(released.evaluate_best());
  }
  if (sharing) {
    // The answer's writes and Concats chosen one by one (with_shared_storage's refinement).
    Evaluation plain = evaluate_schedule(graph, answer->granularity(), answer->schedule, options);
    Evaluation refined = with_shared_storage(graph, std::move(plain), options, true);
    if (better(refined, *answer)) answer = std::move(refined);
  }
  if (chosen) *chosen = search.best_plan();
  if (stats) *stats = counted;
  return std::move(*answer);
}

}  // namespace

int64_t extra_firing_budget(const graph::Graph& graph, const AnalysisOptions& options) {
  const double overhead = options.platform.firing_overhead_s;
  if (overhead <= 0) return kUnlimited;
  const double allowed = (options.max_slowdown - 1) * baseline_time_seconds(graph, options.platform) / overhead;
  if (allowed >= 9e18) return kUnlimited;
  // The tolerance absorbs rounding of R given in decimal (1 + loss / T_base), never a whole firing.
  return std::max<int64_t>(0, static_cast<int64_t>(std::floor(allowed * (1 + 1e-12) + 1e-9)));
}

Evaluation optimize(const graph::Graph& graph, const AnalysisOptions& options, const OptimizerLimits& limits,
                    OptimizerStats* stats) {
  return run_search(graph, options, limits, {}, nullptr, stats);
}

Evaluation threshold_search(const graph::Graph& graph, const AnalysisOptions& options, const OptimizerLimits& limits) {
  PlanMemo memo;
  return threshold_search(graph, options, limits, Search(graph, options, memo).ranked_actors(), memo).evaluation;
}

std::vector<double> slowdown_levels(double max_slowdown) {
  std::vector<double> levels;
  for (double level : kSlowdownGrid) {
    if (level < max_slowdown) levels.push_back(level);
  }
  levels.push_back(max_slowdown);
  return levels;
}

std::vector<ParetoPoint> pareto_front(const graph::Graph& graph, const AnalysisOptions& options,
                                      const std::vector<double>& slowdowns) {
  std::vector<ParetoPoint> front;
  std::vector<Plan> seeds;
  for (double slowdown : slowdowns) {
    AnalysisOptions at = options;
    at.max_slowdown = slowdown;
    Plan chosen;
    const Evaluation evaluation = run_search(graph, at, {}, seeds, &chosen, nullptr);
    seeds.push_back(chosen);
    append_carried(front, ParetoPoint{slowdown, evaluation.slowdown, evaluation.shared_bytes(), evaluation.fifo_bytes},
                   slowdown);
  }
  return front;
}

}  // namespace bufopt::analysis

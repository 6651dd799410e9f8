package io.caucus.kv.slots;

import io.caucus.core.NodeId;
import io.caucus.kv.slots.SlotMap.ReplicaMove;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Plans the replica moves that spread the data groups' replicas evenly over the nodes of the cluster file, for a node
 * just added or one left with fewer groups than the rest (docs/multiraft.md, "Rebalancing replicas"). Pure: a map
 * and the nodes in, the moves out; {@link SlotMap#startReplicaMoves} records them and each group's leader carries its
 * move out (ReplicaMover).
 *
 * <p>A node's <em>load</em> is the number of data groups it holds a replica of. With R replicas over N nodes, the
 * plan leaves every node holding floor(R/N) or ceil(R/N), moving one replica at a time from the most loaded node to
 * the least loaded one that can take it: never a second replica of a group on one node, and never a group on a node
 * it retired from (a group never returns to a node it left: {@link SlotMap#retiredReplicasOf}). Each move is between
 * nodes whose loads differ by two or more, and goes from the most loaded to the least loaded pair that has a group
 * to give, so with nothing in the way the plan makes max(Σ above ceil, Σ below floor) moves, the fewest possible.
 *
 * <p>The map moves one replica of a group at a time, so a plan moves each group at most once: a plan is one
 * <em>round</em>. Where a round cannot even the loads ({@link Plan#even()} false), either the retired nodes leave no
 * move that helps, or a group must move twice; planning again once the round's moves are done
 * ({@code caucus rebalance --replicas} does) finds the next round, and an empty plan means nothing more can be done.
 *
 * <p>A group whose replica is moving already is left alone, and counted where its move puts it (its new node, or,
 * for a cancelled move, its old one). Among the groups a node may give, it gives one it is the preferred leader of
 * (first replica) when it prefers to lead two or more groups more than the receiver, else one it does not lead: the
 * preferred place moves with the replica (LeaderBalancer follows it), so the groups' leaders spread too.
 *
 * <p>A node removed from the cluster ({@link SlotMap#removeNode}) takes nothing and gives everything: each round first
 * moves every replica it holds (one per group) to the least loaded node that can take it, then evens the rest; one
 * that is not in the cluster file any more may still give its replicas. A replica no node can take (every other node
 * holds the group or retired from it) stays, {@link Plan#stranded()}; {@link #groupsWithNowhereToGo} tells before a
 * node is removed.
 *
 * <p>The metadata group is not counted: it has a replica on every node of the cluster (a voter on the nodes it
 * started with, a learner on those added later), so it weighs the same on every node, and it cannot move.
 */
public final class ReplicaRebalance {

    /**
     * The moves planned against {@code map} (or recorded in it), and each node's load once they and the moves under
     * way are done.
     */
    public record Plan(SlotMap map, List<ReplicaMove> moves, SortedMap<NodeId, Integer> loads) {
        public Plan {
            Objects.requireNonNull(map, "map");
            moves = List.copyOf(moves);
            loads = Collections.unmodifiableSortedMap(new TreeMap<>(loads));
        }

        /**
         * Whether every node not removed ends this round holding floor(R/N) or ceil(R/N) replicas, and the removed
         * ones none.
         */
        public boolean even() {
            List<Integer> kept = loads.entrySet().stream().filter(load -> !map.removedNodes().contains(load.getKey()))
                    .map(Map.Entry::getValue).toList();
            int fewest = kept.stream().min(Integer::compare).orElse(0);
            int most = kept.stream().max(Integer::compare).orElse(0);
            return most - fewest <= 1 && stranded() == 0;
        }

        /** The replicas removed nodes still hold once this round is done: more rounds move them, if they can. */
        public int stranded() {
            return loads.entrySet().stream().filter(load -> map.removedNodes().contains(load.getKey()))
                    .mapToInt(Map.Entry::getValue).sum();
        }

        /** This plan, recorded in {@code recorded}. */
        public Plan recordedIn(SlotMap recorded) {
            return new Plan(recorded, moves, loads);
        }
    }

    /** Each group's replicas as they will be, in the map's order: the first is the preferred leader. */
    private final SortedMap<Long, List<NodeId>> placement = new TreeMap<>();
    private final SortedMap<NodeId, Integer> loads = new TreeMap<>();
    private final SortedMap<NodeId, Integer> preferred = new TreeMap<>();
    private final Set<Long> planned = new HashSet<>();
    private final SlotMap map;

    private ReplicaRebalance(SlotMap map, Collection<NodeId> nodes) {
        this.map = map;
        for (NodeId node : nodes) {
            if (!map.removedNodes().contains(node)) {
                loads.put(node, 0);
                preferred.put(node, 0);
            }
        }
        for (long group : map.groups()) {
            List<NodeId> replicas = new ArrayList<>(map.replicasOf(group));
            Optional<ReplicaMove> moving = map.replicaMoveOf(group);
            if (moving.isPresent() && !moving.get().cancelled()) {
                replicas.set(replicas.indexOf(moving.get().from()), moving.get().to());
            }
            for (NodeId node : replicas) {
                if (map.removedNodes().contains(node)) {
                    loads.putIfAbsent(node, 0);
                    preferred.putIfAbsent(node, 0);
                } else if (!loads.containsKey(node)) {
                    throw new IllegalArgumentException("group " + group + " has a replica on " + node + ", which is "
                            + "not a node of the cluster file: list it there, or move the replica away by hand "
                            + "('caucus slots move-replica'), before rebalancing replicas");
                }
                loads.merge(node, 1, Integer::sum);
            }
            preferred.merge(replicas.getFirst(), 1, Integer::sum);
            placement.put(group, replicas);
        }
    }

    /**
     * The replica moves that spread {@code map}'s data groups' replicas evenly over {@code nodes} (the cluster file's
     * node ids), in the order chosen: none if they are even already.
     *
     * @throws IllegalArgumentException if no node is given, or a group has a replica on a node not among them
     */
    public static Plan plan(SlotMap map, Collection<NodeId> nodes) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("no node to spread the replicas over");
        }
        ReplicaRebalance planner = new ReplicaRebalance(map, nodes);
        List<ReplicaMove> moves = new ArrayList<>();
        for (Optional<ReplicaMove> next = planner.nextMove(); next.isPresent(); next = planner.nextMove()) {
            planner.apply(next.get());
            moves.add(next.get());
        }
        return new Plan(map, moves, planner.loads);
    }

    /**
     * The first round of removing {@code leaving} from the cluster: planned against {@code map} with the node removed
     * ({@link Plan#map()} records the removal; a node removed already is not removed again).
     *
     * @throws IllegalArgumentException if a replica on {@code leaving} could go to no other node of {@code nodes}
     *                                  (add a node first), or as {@link SlotMap#removeNode} does
     */
    public static Plan planRemoval(SlotMap map, Collection<NodeId> nodes, NodeId leaving) {
        if (map.removedNodes().contains(leaving)) {
            return plan(map, nodes);
        }
        List<Long> stuck = groupsWithNowhereToGo(map, nodes, leaving);
        if (!stuck.isEmpty()) {
            throw new IllegalArgumentException("cannot remove " + leaving + ": no other node could take its replica"
                    + (stuck.size() == 1 ? " of group " : "s of groups ") + stuck.stream().map(String::valueOf)
                    .collect(Collectors.joining(", ")) + " (every other node of the cluster file holds the group, "
                    + "left it, or is removed): add a node first");
        }
        return plan(map.removeNode(leaving), nodes);
    }

    /**
     * Refuses {@code change} to {@code group}'s replicas if, once it has taken effect ({@code done}: a move finished,
     * or a cancelled one abandoned), a removed node would hold a replica of the group that no node can take, and would
     * not without the change ({@code asPlanned}: the map as it would end without it). A move or a cancel retires a node
     * from the group, and that node may have been the only one left to take the removed node's replica
     * (docs/multiraft.md, "Removing a node").
     *
     * @throws IllegalArgumentException naming the removed node, if so
     */
    public static void refuseStranding(SlotMap asPlanned, SlotMap done, Collection<NodeId> nodes, long group,
                                       String change) {
        Optional<NodeId> removed = strandedBy(asPlanned, done, nodes, group);
        if (removed.isPresent()) {
            throw new IllegalArgumentException(change + " would leave " + removed.get() + "'s replica of group " + group
                    + " with nowhere to go (" + removed.get() + " is removed from the cluster, and every other node "
                    + "would hold the group or have left it): let the move finish, or add a node first");
        }
    }

    /** The removed node {@link #refuseStranding} would name, if any. */
    public static Optional<NodeId> strandedBy(SlotMap asPlanned, SlotMap done, Collection<NodeId> nodes, long group) {
        return done.removedNodes().stream().filter(removed -> stranded(done, nodes, removed, group)
                && !stranded(asPlanned, nodes, removed, group)).findFirst();
    }

    private static boolean stranded(SlotMap map, Collection<NodeId> nodes, NodeId removed, long group) {
        return map.replicasOf(group).contains(removed) && groupsWithNowhereToGo(map, nodes, removed).contains(group);
    }

    /**
     * The groups with a replica on {@code leaving} that no other node of {@code nodes} could take if it were removed:
     * each other node holds the group, retired from it, or is removed itself. Empty when removing it loses nothing.
     */
    public static List<Long> groupsWithNowhereToGo(SlotMap map, Collection<NodeId> nodes, NodeId leaving) {
        List<Long> stuck = new ArrayList<>();
        for (long group : map.groups()) {
            if (!map.placesReplicaOn(group, leaving)) {
                continue;
            }
            boolean somewhere = nodes.stream().anyMatch(node -> !node.equals(leaving)
                    && !map.removedNodes().contains(node) && !map.placesReplicaOn(group, node)
                    && !map.retiredReplicasOf(group).contains(node));
            if (!somewhere) {
                stuck.add(group);
            }
        }
        return stuck;
    }

    /**
     * A move off a removed node, if one holds a replica some node can take; else a move from the most loaded node
     * that can give to the least loaded one that can take, their loads two or more apart (so every move brings the
     * spread closer to even); empty when no such move exists.
     */
    private Optional<ReplicaMove> nextMove() {
        // Ties by id: the loads are sorted by id, and the sorts stable.
        List<NodeId> receivers = new ArrayList<>(loads.keySet());
        receivers.removeAll(map.removedNodes());
        receivers.sort(Comparator.comparing(loads::get));
        for (NodeId leaving : map.removedNodes()) {
            for (NodeId receiver : receivers) {
                Optional<Long> group = loads.getOrDefault(leaving, 0) == 0 ? Optional.empty()
                        : groupToGive(leaving, receiver);
                if (group.isPresent()) {
                    return Optional.of(new ReplicaMove(group.get(), leaving, receiver));
                }
            }
        }
        List<NodeId> donors = new ArrayList<>(receivers);
        donors.sort(Comparator.comparing(loads::get, Comparator.reverseOrder()));
        for (NodeId donor : donors) {
            for (NodeId receiver : receivers) {
                if (loads.get(donor) - loads.get(receiver) < 2) {
                    break; // receivers further on are loaded more still
                }
                Optional<Long> group = groupToGive(donor, receiver);
                if (group.isPresent()) {
                    return Optional.of(new ReplicaMove(group.get(), donor, receiver));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * A group {@code donor} may give {@code receiver}: one with no replica move under way or planned, not on the
     * receiver, and never retired from it; by preference one the donor leads if it leads two or more groups more than
     * the receiver, else one it does not lead; then the lowest id.
     */
    private Optional<Long> groupToGive(NodeId donor, NodeId receiver) {
        boolean handOverLeadership = preferred.get(donor) - preferred.get(receiver) >= 2;
        Long fallback = null;
        for (Map.Entry<Long, List<NodeId>> group : placement.entrySet()) {
            long id = group.getKey();
            List<NodeId> replicas = group.getValue();
            if (map.replicaMoveOf(id).isPresent() || planned.contains(id) || !replicas.contains(donor)
                    || replicas.contains(receiver) || map.retiredReplicasOf(id).contains(receiver)) {
                continue;
            }
            if (replicas.getFirst().equals(donor) == handOverLeadership) {
                return Optional.of(id);
            }
            if (fallback == null) {
                fallback = id;
            }
        }
        return Optional.ofNullable(fallback);
    }

    private void apply(ReplicaMove move) {
        planned.add(move.group());
        List<NodeId> replicas = placement.get(move.group());
        if (replicas.getFirst().equals(move.from())) {
            preferred.merge(move.from(), -1, Integer::sum);
            preferred.merge(move.to(), 1, Integer::sum);
        }
        replicas.set(replicas.indexOf(move.from()), move.to());
        loads.merge(move.from(), -1, Integer::sum);
        loads.merge(move.to(), 1, Integer::sum);
    }
}

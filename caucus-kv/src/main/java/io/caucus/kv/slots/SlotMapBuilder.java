package io.caucus.kv.slots;

import io.caucus.core.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Collects a {@link SlotMap}'s groups and ranges ({@link SlotMap#builder}, and each of the map's changes, which
 * start from a copy of it); {@link #build} checks them all and says what is wrong. The fields the map's changes edit
 * directly are package-private.
 */
public final class SlotMapBuilder {
    private final long epoch;
    final TreeMap<Long, List<NodeId>> groups = new TreeMap<>();
    private final List<SlotMap.OwnedRange> ranges = new ArrayList<>();
    final List<SlotMap.Migration> migrations = new ArrayList<>();
    final TreeMap<Long, SlotMap.ReplicaMove> replicaMoves = new TreeMap<>();
    private final TreeMap<Long, SortedSet<NodeId>> retired = new TreeMap<>();
    final TreeSet<NodeId> removed = new TreeSet<>();

    SlotMapBuilder(long epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch " + epoch + " is negative");
        }
        this.epoch = epoch;
    }

    /** Sets {@code group}'s replicas (the metadata group, 0, is not one of the data groups a map lists). */
    public SlotMapBuilder group(long group, List<NodeId> nodes) {
        checkGroupId(group);
        List<NodeId> copy = List.copyOf(nodes);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("group " + group + " needs at least one replica");
        }
        if (copy.size() > SlotMap.MAX_REPLICAS) {
            throw new IllegalArgumentException("group " + group + " has " + copy.size() + " replicas; at most "
                    + SlotMap.MAX_REPLICAS);
        }
        Set<NodeId> seen = new HashSet<>();
        for (NodeId node : copy) {
            if (!seen.add(node)) {
                throw new IllegalArgumentException("group " + group + " lists replica " + node + " twice");
            }
        }
        groups.put(group, copy);
        return this;
    }

    public SlotMapBuilder assign(SlotRange range, long group) {
        checkGroupId(group);
        ranges.add(new SlotMap.OwnedRange(range, group));
        return this;
    }

    /** Records {@code range} as migrating from {@code source}, which must own it all, to {@code target}. */
    public SlotMapBuilder migrate(SlotRange range, long source, long target) {
        checkGroupId(source);
        checkGroupId(target);
        migrations.add(new SlotMap.Migration(range, source, target));
        return this;
    }

    /** Records {@code group}'s replica on {@code from} as moving to {@code to} (one move per group). */
    public SlotMapBuilder moveReplica(long group, NodeId from, NodeId to) {
        checkGroupId(group);
        SlotMap.ReplicaMove move = new SlotMap.ReplicaMove(group, from, to);
        SlotMap.ReplicaMove earlier = replicaMoves.putIfAbsent(group, move);
        if (earlier != null) {
            throw new IllegalArgumentException("group " + group + " lists two replica moves: " + earlier
                    + " and " + move);
        }
        return this;
    }

    /** Marks {@code group}'s replica move, recorded before, as cancelled. */
    public SlotMapBuilder cancelReplicaMove(long group) {
        SlotMap.ReplicaMove move = replicaMoves.get(group);
        if (move == null) {
            throw new IllegalArgumentException("group " + group + " has no replica move to cancel");
        }
        replicaMoves.put(group, new SlotMap.ReplicaMove(group, move.from(), move.to(), true));
        return this;
    }

    /** Records that {@code node} held a replica of {@code group} once and must never hold one again. */
    public SlotMapBuilder retire(long group, NodeId node) {
        checkGroupId(group);
        retired.computeIfAbsent(group, g -> new TreeSet<>()).add(Objects.requireNonNull(node, "node"));
        return this;
    }

    /** Records {@code node} as removed from the cluster: no replica moves to it from now on. */
    public SlotMapBuilder removeNode(NodeId node) {
        removed.add(Objects.requireNonNull(node, "node"));
        return this;
    }

    public SlotMap build() {
        List<SlotMap.OwnedRange> sorted = new ArrayList<>(ranges);
        sorted.sort((a, b) -> a.range().compareTo(b.range()));
        List<SlotMap.OwnedRange> merged = new ArrayList<>();
        for (SlotMap.OwnedRange next : sorted) {
            if (!groups.containsKey(next.group())) {
                throw new IllegalArgumentException("slots " + next.range() + " are assigned to group "
                        + next.group() + ", which is unknown: give its replicas first");
            }
            SlotMap.OwnedRange previous = merged.isEmpty() ? null : merged.getLast();
            if (previous != null && previous.range().overlaps(next.range())) {
                throw new IllegalArgumentException("slots " + next.range() + " for group " + next.group()
                        + " overlap slots " + previous.range() + ", owned by group " + previous.group());
            }
            if (previous != null && previous.group() == next.group()
                    && previous.range().end() + 1 == next.range().start()) {
                merged.set(merged.size() - 1, new SlotMap.OwnedRange(
                        new SlotRange(previous.range().start(), next.range().end()), next.group()));
            } else {
                merged.add(next);
            }
        }
        int[] starts = new int[merged.size()];
        int[] ends = new int[merged.size()];
        long[] owners = new long[merged.size()];
        for (int i = 0; i < merged.size(); i++) {
            starts[i] = merged.get(i).range().start();
            ends[i] = merged.get(i).range().end();
            owners[i] = merged.get(i).group();
        }
        List<SlotMap.Migration> sortedMigrations = checkedMigrations(starts, ends, owners);
        checkReplicaMoves();
        return new SlotMap(epoch, starts, ends, owners, new TreeMap<>(groups), sortedMigrations,
                new TreeMap<>(replicaMoves), new TreeMap<>(retired), new TreeSet<>(removed));
    }

    /**
     * Refuses a replica move of an unknown group, from a node that is not its replica or to one that is or was,
     * and a replica on a node retired from its group; a move not cancelled to a removed node.
     */
    private void checkReplicaMoves() {
        for (SlotMap.ReplicaMove move : replicaMoves.values()) {
            List<NodeId> nodes = groups.get(move.group());
            if (nodes == null) {
                throw new IllegalArgumentException("cannot move " + move + ": the group is unknown");
            }
            if (!nodes.contains(move.from())) {
                throw new IllegalArgumentException("cannot move " + move + ": " + move.from()
                        + " is not one of its replicas " + nodes);
            }
            if (nodes.contains(move.to())) {
                throw new IllegalArgumentException("cannot move " + move + ": " + move.to()
                        + " is one of its replicas already");
            }
            if (removed.contains(move.to()) && !move.cancelled()) {
                throw new IllegalArgumentException("cannot move " + move + ": " + move.to() + " is removed "
                        + "from the cluster");
            }
            if (retired.getOrDefault(move.group(), Collections.emptySortedSet()).contains(move.to())) {
                throw new IllegalArgumentException("cannot move " + move + ": " + move.to() + " held a "
                        + "replica of the group before, and a group never returns to a node it left (the "
                        + "replica there would have forgotten the votes it gave)");
            }
        }
        retired.forEach((group, nodes) -> {
            for (NodeId node : groups.getOrDefault(group, List.of())) {
                if (nodes.contains(node)) {
                    throw new IllegalArgumentException("group " + group + " lists replica " + node
                            + ", which it retired");
                }
            }
        });
    }

    /** The migrations by start, each checked against the merged ranges and the one before it. */
    private List<SlotMap.Migration> checkedMigrations(int[] starts, int[] ends, long[] owners) {
        List<SlotMap.Migration> sorted = new ArrayList<>(migrations);
        sorted.sort((a, b) -> a.range().compareTo(b.range()));
        SlotMap.Migration previous = null;
        for (SlotMap.Migration next : sorted) {
            if (next.source() == next.target()) {
                throw new IllegalArgumentException("slots " + next.range() + " cannot migrate from group "
                        + next.source() + " to itself");
            }
            if (!groups.containsKey(next.target())) {
                throw new IllegalArgumentException("slots " + next.range() + " cannot migrate to group "
                        + next.target() + ", which is unknown: give its replicas first");
            }
            checkOwnedBySource(next, starts, ends, owners);
            if (previous != null && previous.range().overlaps(next.range())) {
                throw new IllegalArgumentException("slots " + next + " overlap the migration of slots "
                        + previous);
            }
            previous = next;
        }
        return sorted;
    }

    /** Refuses {@code migration} unless its source owns every slot of its range. */
    private static void checkOwnedBySource(SlotMap.Migration migration, int[] starts, int[] ends, long[] owners) {
        SlotRange range = migration.range();
        int i = Arrays.binarySearch(starts, range.start());
        if (i < 0) {
            i = -i - 2; // the last range starting before the migration
        }
        // The merged ranges are sorted and disjoint: walk those covering the migration, from its start on.
        int slot = range.start();
        while (slot <= range.end()) {
            if (i < 0 || i >= starts.length || slot < starts[i] || slot > ends[i]) {
                throw new IllegalArgumentException("slots " + range + " cannot migrate from group "
                        + migration.source() + ": slot " + slot + " is unassigned");
            }
            if (owners[i] != migration.source()) {
                throw new IllegalArgumentException("slots " + range + " cannot migrate from group "
                        + migration.source() + ": slot " + slot + " is owned by group " + owners[i]);
            }
            slot = ends[i] + 1;
            i++;
        }
    }

    private static void checkGroupId(long group) {
        if (group < 1) {
            throw new IllegalArgumentException("group " + group + " is not a data group (ids start at 1)");
        }
    }
}

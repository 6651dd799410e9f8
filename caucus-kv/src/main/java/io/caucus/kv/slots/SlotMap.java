package io.caucus.kv.slots;

import io.caucus.core.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SequencedMap;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which data group owns which hash slots, and where each group's replicas are: the state the metadata group
 * replicates (docs/multiraft.md, "The slot map"). An immutable value; every change returns a new map whose
 * {@link #epoch()} is one higher, so two maps of one history are ordered by their epochs.
 *
 * <p>Slots need not all be assigned: an unassigned slot has no owner ({@link #groupOf} is empty), as in a Redis
 * cluster that is still being set up. A range's owner is a data group (id ≥ 1; the metadata group that holds the
 * map is not one) whose replicas are known: {@link #withReplicas} introduces a group, {@link #assign} then gives
 * it slots. Ranges are kept sorted and merged (adjacent ranges of one group are one range), so equal assignments are
 * equal maps whatever order the changes came in.
 *
 * <p>A range may be <em>migrating</em> from the group owning it to another known group ({@link Migration}):
 * {@link #startMigration} records it, {@link #finishMigration} gives its slots to the target and
 * {@link #cancelMigration} drops it. The owner stays the source until the migration finishes; while it lasts, no
 * change may take the range's slots from the source or remove either group (docs/multiraft.md, "Moving slots
 * between groups").
 *
 * <p>A group's replica may be <em>moving</em> from one node to another ({@link ReplicaMove}, at most one per group):
 * {@link #startReplicaMove} records it, the group's leader adds the new node as a learner, promotes it and removes
 * the old one, and {@link #finishReplicaMove} then puts the new node in the old one's place among the replicas and
 * records the old one as <em>retired</em> from the group ({@link #retiredReplicasOf}): its replica is deleted and a
 * group is never placed on a node it retired from, since a replica started there again would have forgotten the
 * votes it gave (docs/multiraft.md, "Moving a group's replicas"). {@link #cancelReplicaMove} marks a move cancelled:
 * the group's leader then takes the new node out of the group again, unless the old one has left already (the move
 * then finishes), and {@link #abandonReplicaMove} drops the move and retires the new node instead.
 *
 * <p>A node may be <em>removed</em> from the cluster ({@link #removeNode}, for good): no replica moves to it any
 * more, rebalancing moves its replicas to the other nodes ({@link ReplicaRebalance}), and once it holds none the
 * metadata group's leader takes it out of the metadata group and never adds it back (docs/multiraft.md, "Removing a
 * node").
 */
public final class SlotMap {

    /** The map before any change: epoch 0, no groups, no slot assigned. */
    public static final SlotMap EMPTY =
            new SlotMap(0, new int[0], new int[0], new long[0], new TreeMap<>(), List.of(), new TreeMap<>(),
                    new TreeMap<>(), new TreeSet<>());

    /** One range and its owner. */
    public record OwnedRange(SlotRange range, long group) {
        public OwnedRange {
            Objects.requireNonNull(range, "range");
        }
    }

    /**
     * Slots {@code range} moving from group {@code source}, which owns every one of them until the move finishes,
     * to group {@code target}.
     */
    public record Migration(SlotRange range, long source, long target) {
        public Migration {
            Objects.requireNonNull(range, "range");
        }

        @Override
        public String toString() {
            return range + " from group " + source + " to group " + target;
        }
    }

    /**
     * Group {@code group}'s replica moving from node {@code from}, one of its replicas, to node {@code to};
     * {@code cancelled} once an operator asked for the move to be undone ({@link #cancelReplicaMove}).
     */
    public record ReplicaMove(long group, NodeId from, NodeId to, boolean cancelled) {
        public ReplicaMove {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
        }

        /** A move under way, not cancelled. */
        public ReplicaMove(long group, NodeId from, NodeId to) {
            this(group, from, to, false);
        }

        @Override
        public String toString() {
            return "group " + group + "'s replica from " + from + " to " + to + (cancelled ? " (cancelled)" : "");
        }
    }

    /** Replicas of one group, at most: far beyond any sensible Raft group, and one byte in the binary form. */
    public static final int MAX_REPLICAS = 255;

    private final long epoch;
    // Parallel arrays sorted by start, no overlaps: groupOf is a binary search over starts.
    private final int[] starts;
    private final int[] ends;
    private final long[] owners;
    private final SortedSet<Long> groups;
    private final Map<Long, List<NodeId>> replicas;
    // Sorted by range start, no overlaps; migrationStarts[i] is migrations.get(i)'s start, for binary search.
    private final List<Migration> migrations;
    private final int[] migrationStarts;
    private final SortedMap<Long, ReplicaMove> replicaMoves;
    private final SortedMap<Long, SortedSet<NodeId>> retired;
    private final SortedSet<NodeId> removed;

    SlotMap(long epoch, int[] starts, int[] ends, long[] owners, TreeMap<Long, List<NodeId>> replicas,
                    List<Migration> migrations, TreeMap<Long, ReplicaMove> replicaMoves,
                    TreeMap<Long, SortedSet<NodeId>> retired, TreeSet<NodeId> removed) {
        this.epoch = epoch;
        this.starts = starts;
        this.ends = ends;
        this.owners = owners;
        this.replicas = Collections.unmodifiableMap(replicas);
        this.groups = Collections.unmodifiableSortedSet(new TreeSet<>(replicas.keySet()));
        this.migrations = List.copyOf(migrations);
        this.migrationStarts = migrations.stream().mapToInt(m -> m.range().start()).toArray();
        this.replicaMoves = Collections.unmodifiableSortedMap(replicaMoves);
        TreeMap<Long, SortedSet<NodeId>> retiredCopy = new TreeMap<>();
        retired.forEach((group, nodes) -> retiredCopy.put(group, Collections.unmodifiableSortedSet(
                new TreeSet<>(nodes))));
        this.retired = Collections.unmodifiableSortedMap(retiredCopy);
        this.removed = Collections.unmodifiableSortedSet(new TreeSet<>(removed));
    }

    /** Increased by one by every change. */
    public long epoch() {
        return epoch;
    }

    /** The group owning {@code slot} (0..16383), or empty if the slot is unassigned. O(log ranges). */
    public OptionalLong groupOf(int slot) {
        SlotRange.checkSlot(slot);
        int i = Arrays.binarySearch(starts, slot);
        if (i < 0) {
            i = -i - 2; // the last range starting before the slot
        }
        return i >= 0 && slot <= ends[i] ? OptionalLong.of(owners[i]) : OptionalLong.empty();
    }

    /** Every assigned range with its owner, by start. */
    public List<OwnedRange> ranges() {
        List<OwnedRange> ranges = new ArrayList<>(starts.length);
        for (int i = 0; i < starts.length; i++) {
            ranges.add(new OwnedRange(new SlotRange(starts[i], ends[i]), owners[i]));
        }
        return Collections.unmodifiableList(ranges);
    }

    /** The ranges {@code group} owns, by start (empty for a group owning none, or an unknown one). */
    public List<SlotRange> rangesOf(long group) {
        List<SlotRange> ranges = new ArrayList<>();
        for (int i = 0; i < starts.length; i++) {
            if (owners[i] == group) {
                ranges.add(new SlotRange(starts[i], ends[i]));
            }
        }
        return Collections.unmodifiableList(ranges);
    }

    /** The known data groups, by id: each has replicas, and may own no slot. */
    public SortedSet<Long> groups() {
        return groups;
    }

    /** {@code group}'s replicas in the order given; empty if the group is unknown. */
    public List<NodeId> replicasOf(long group) {
        return replicas.getOrDefault(group, List.of());
    }

    /** The migrations in progress, by range start; their ranges do not overlap. */
    public List<Migration> migrations() {
        return migrations;
    }

    /**
     * True if this map records {@code slot} moving from group {@code source} to group {@code target}: the one test by
     * which a {@code MOVEDGROUP} from a source that handed the slot over becomes an ASK (ShardRouter, and the
     * simulator's clients, which act as the node).
     */
    public boolean isMoving(int slot, long source, long target) {
        return migrationOf(slot).filter(migration -> migration.source() == source && migration.target() == target)
                .isPresent();
    }

    /** The migration moving {@code slot} (0..16383), if one is. O(log migrations). */
    public Optional<Migration> migrationOf(int slot) {
        SlotRange.checkSlot(slot);
        int i = Arrays.binarySearch(migrationStarts, slot);
        if (i < 0) {
            i = -i - 2; // the last migration starting before the slot
        }
        return i >= 0 && migrations.get(i).range().contains(slot) ? Optional.of(migrations.get(i))
                : Optional.empty();
    }

    /** The replica moves in progress, by group (at most one per group). */
    public List<ReplicaMove> replicaMoves() {
        return List.copyOf(replicaMoves.values());
    }

    /** The move of one of {@code group}'s replicas in progress, if one is. */
    public Optional<ReplicaMove> replicaMoveOf(long group) {
        return Optional.ofNullable(replicaMoves.get(group));
    }

    /** The nodes whose replica of {@code group} was moved away: the group is never placed on them again. */
    public SortedSet<NodeId> retiredReplicasOf(long group) {
        return retired.getOrDefault(group, Collections.emptySortedSet());
    }

    /** The nodes removed from the cluster, or being removed: none takes a replica again ({@link #removeNode}). */
    public SortedSet<NodeId> removedNodes() {
        return removed;
    }

    /**
     * Whether removed {@code node} is done with: it holds no replica of any group and no replica move is to or from
     * it, so the metadata group no longer needs it either.
     */
    public boolean holdsNothing(NodeId node) {
        for (List<NodeId> nodes : replicas.values()) {
            if (nodes.contains(node)) {
                return false;
            }
        }
        for (ReplicaMove move : replicaMoves.values()) {
            if (move.from().equals(node) || move.to().equals(node)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code node} is to run a replica of {@code group}: one of its replicas, or the node one is moving to.
     * A node retired from the group is not, even while the move that retired it is not yet recorded as finished.
     */
    public boolean placesReplicaOn(long group, NodeId node) {
        ReplicaMove move = replicaMoves.get(group);
        return replicasOf(group).contains(node) || (move != null && move.to().equals(node));
    }

    /** How many of the 16,384 slots have an owner. */
    public int assigned() {
        int count = 0;
        for (int i = 0; i < starts.length; i++) {
            count += ends[i] - starts[i] + 1;
        }
        return count;
    }

    /**
     * This map with {@code range} owned by {@code group}, epoch + 1. The group must be known and no slot of the
     * range assigned (to any group, this one included) or migrating: slots change owner by a migration.
     */
    public SlotMap assign(SlotRange range, long group) {
        refuseIfMigrating(range, "cannot be assigned");
        return toBuilder(epoch + 1).assign(range, group).build();
    }

    /** This map with the slots of {@code range} unassigned (those that were), epoch + 1; none may be migrating. */
    public SlotMap unassign(SlotRange range) {
        refuseIfMigrating(range, "cannot be unassigned");
        return toBuilderWithout(epoch + 1, range).build();
    }

    private void refuseIfMigrating(SlotRange range, String refusal) {
        for (Migration migration : migrations) {
            if (migration.range().overlaps(range)) {
                throw new IllegalArgumentException("slots " + range + " " + refusal + ": slots " + migration
                        + " are migrating; finish or cancel that first");
            }
        }
    }

    /**
     * This map with {@code range} migrating to group {@code target}, epoch + 1. One group, the source, must own
     * every slot of the range, none of which may be migrating already; the target must be known and another group.
     * The source keeps the slots until {@link #finishMigration}.
     */
    public SlotMap startMigration(SlotRange range, long target) {
        OptionalLong source = groupOf(range.start());
        if (source.isEmpty()) {
            throw new IllegalArgumentException("slots " + range + " cannot migrate: slot " + range.start()
                    + " is unassigned");
        }
        refuseIfMigrating(range, "cannot migrate");
        SlotMapBuilder builder = toBuilder(epoch + 1);
        builder.migrate(range, source.getAsLong(), target);
        return builder.build(); // checks that the source owns all of the range and the target
    }

    /**
     * This map with every one of {@code moves} recorded as migrating, in one change (epoch + 1), so that a plan of
     * several moves is recorded whole or not at all ({@link SlotRebalance}). Each is checked as
     * {@link #startMigration} checks one, and their ranges must not overlap one another; its source must be the
     * group owning the range.
     */
    public SlotMap startMigrations(List<Migration> moves) {
        if (moves.isEmpty()) {
            throw new IllegalArgumentException("no migration to start");
        }
        SlotMapBuilder builder = toBuilder(epoch + 1);
        for (Migration move : moves) {
            refuseIfMigrating(move.range(), "cannot migrate");
            builder.migrate(move.range(), move.source(), move.target());
        }
        return builder.build(); // checks each source owns all of its range, each target, and overlaps
    }

    /**
     * This map with the migration of exactly {@code range} finished, epoch + 1: its slots are owned by its target,
     * and the migration is no longer recorded.
     */
    public SlotMap finishMigration(SlotRange range) {
        Migration finished = recordedMigration(range, "finish");
        SlotMapBuilder builder = toBuilderWithout(epoch + 1, range);
        builder.migrations.remove(finished);
        return builder.assign(range, finished.target()).build();
    }

    /** This map without the migration of exactly {@code range}, epoch + 1: its source still owns its slots. */
    public SlotMap cancelMigration(SlotRange range) {
        Migration cancelled = recordedMigration(range, "cancel");
        SlotMapBuilder builder = toBuilder(epoch + 1);
        builder.migrations.remove(cancelled);
        return builder.build();
    }

    private Migration recordedMigration(SlotRange range, String change) {
        Optional<Migration> migration = migrationOf(range.start());
        if (migration.isPresent() && migration.get().range().equals(range)) {
            return migration.get();
        }
        throw new IllegalArgumentException("cannot " + change + " a migration of slots " + range + ": none is "
                + "recorded" + (migrations.isEmpty() ? "" : " (migrations: " + migrations + ")"));
    }

    /**
     * This map with {@code group}'s replicas set to {@code nodes} (in that order, no repeats, 1 to
     * {@value #MAX_REPLICAS}), epoch + 1; a group not known before becomes known.
     */
    public SlotMap withReplicas(long group, List<NodeId> nodes) {
        return toBuilder(epoch + 1).group(group, nodes).build();
    }

    /**
     * This map with {@code group}'s replica on {@code from} moving to {@code to}, epoch + 1. The group must be known,
     * {@code from} one of its replicas, {@code to} neither one of them nor retired from the group, and no other of
     * its replicas moving. The replicas stay as they are until {@link #finishReplicaMove}.
     */
    public SlotMap startReplicaMove(long group, NodeId from, NodeId to) {
        if (!replicas.containsKey(group)) {
            throw new IllegalArgumentException("group " + group + " is unknown");
        }
        ReplicaMove moving = replicaMoves.get(group);
        if (moving != null) {
            throw new IllegalArgumentException("group " + group + " is moving a replica already (" + moving
                    + "): wait for it to finish");
        }
        SlotMapBuilder builder = toBuilder(epoch + 1);
        builder.moveReplica(group, from, to);
        return builder.build(); // checks from, to and the retired nodes
    }

    /**
     * This map with every one of {@code moves} recorded, in one change (epoch + 1), so that a plan of several is
     * recorded whole or not at all ({@link ReplicaRebalance}). Each is checked as {@link #startReplicaMove} checks
     * one, and no two may move replicas of one group (a group moves one replica at a time).
     */
    public SlotMap startReplicaMoves(List<ReplicaMove> moves) {
        if (moves.isEmpty()) {
            throw new IllegalArgumentException("no replica move to start");
        }
        SlotMapBuilder builder = toBuilder(epoch + 1);
        for (ReplicaMove move : moves) {
            if (move.cancelled()) {
                throw new IllegalArgumentException("cannot start " + move + ": it is marked cancelled");
            }
            builder.moveReplica(move.group(), move.from(), move.to()); // refuses a group moving a replica already
        }
        return builder.build(); // checks each group, from, to and the retired nodes
    }

    /**
     * This map with {@code group}'s replica move marked cancelled, epoch + 1: the group's leader takes the node moved
     * to out of the group and then {@link #abandonReplicaMove abandons} the move, or, if the node moved from has left
     * the group already, {@link #finishReplicaMove finishes} it. Refused if the group moves no replica or its move is
     * cancelled already.
     */
    public SlotMap cancelReplicaMove(long group) {
        ReplicaMove move = replicaMoves.get(group);
        if (move == null) {
            throw new IllegalArgumentException("group " + group + " is moving no replica");
        }
        if (move.cancelled()) {
            throw new IllegalArgumentException(move + " is being cancelled already");
        }
        SlotMapBuilder builder = toBuilder(epoch + 1);
        builder.replicaMoves.put(group, new ReplicaMove(group, move.from(), move.to(), true));
        return builder.build();
    }

    /**
     * This map without {@code group}'s cancelled replica move, epoch + 1: the replicas stay as they were and the node
     * moved to is retired from the group (its replica, a learner or a voter for a while, may have voted). The group's
     * leader records it only once the node moved to has left the group's configuration.
     */
    public SlotMap abandonReplicaMove(long group) {
        ReplicaMove move = replicaMoves.get(group);
        if (move == null || !move.cancelled()) {
            throw new IllegalArgumentException("group " + group + " has no cancelled replica move to abandon");
        }
        SlotMapBuilder builder = toBuilder(epoch + 1);
        builder.replicaMoves.remove(group);
        builder.retire(group, move.to());
        return builder.build();
    }

    /**
     * This map with {@code group}'s replica move finished, epoch + 1: the node moved to takes the place of the node
     * moved from among the replicas (so a preferred leader's replica stays preferred), which is retired from the
     * group. A cancelled move finishes too, when the cancel came after the node moved from had left.
     */
    public SlotMap finishReplicaMove(long group) {
        ReplicaMove move = replicaMoves.get(group);
        if (move == null) {
            throw new IllegalArgumentException("group " + group + " is moving no replica");
        }
        SlotMapBuilder builder = toBuilder(epoch + 1);
        builder.replicaMoves.remove(group);
        List<NodeId> next = new ArrayList<>(replicasOf(group));
        next.set(next.indexOf(move.from()), move.to());
        builder.group(group, next);
        builder.retire(group, move.from());
        return builder.build();
    }

    /**
     * This map with {@code node} removed from the cluster, epoch + 1, for good: it takes no replica from now on, and
     * rebalancing moves away those it has ({@link ReplicaRebalance}). Refused while a replica move to it is under
     * way and not cancelled (cancel it first) and for a node removed already.
     */
    public SlotMap removeNode(NodeId node) {
        Objects.requireNonNull(node, "node");
        if (removed.contains(node)) {
            throw new IllegalArgumentException(node + " is removed from the cluster already");
        }
        for (ReplicaMove move : replicaMoves.values()) {
            if (move.to().equals(node) && !move.cancelled()) {
                throw new IllegalArgumentException("a replica of group " + move.group() + " is moving to " + node
                        + " (" + move + "): let it finish or cancel it ('caucus slots cancel-replica-move "
                        + move.group() + "') first");
            }
        }
        SlotMapBuilder builder = toBuilder(epoch + 1);
        builder.removeNode(node);
        return builder.build();
    }

    /** This map without {@code group}, which must be known and own no slot, epoch + 1. */
    public SlotMap withoutGroup(long group) {
        if (!replicas.containsKey(group)) {
            throw new IllegalArgumentException("group " + group + " is unknown");
        }
        for (Migration migration : migrations) {
            if (migration.source() == group || migration.target() == group) {
                throw new IllegalArgumentException("group " + group + " takes part in the migration of slots "
                        + migration + ": finish or cancel it first");
            }
        }
        if (!rangesOf(group).isEmpty()) {
            throw new IllegalArgumentException("group " + group + " still owns slots " + rangesOf(group)
                    + ": unassign them first");
        }
        if (replicaMoves.containsKey(group)) {
            throw new IllegalArgumentException("group " + group + " is moving a replica (" + replicaMoves.get(group)
                    + "): wait for it to finish first");
        }
        SlotMapBuilder builder = toBuilder(epoch + 1);
        builder.groups.remove(group);
        return builder.build();
    }

    private SlotMapBuilder toBuilder(long newEpoch) {
        SlotMapBuilder builder = new SlotMapBuilder(newEpoch);
        replicas.forEach(builder::group);
        for (int i = 0; i < starts.length; i++) {
            builder.assign(new SlotRange(starts[i], ends[i]), owners[i]);
        }
        builder.migrations.addAll(migrations);
        builder.replicaMoves.putAll(replicaMoves);
        retired.forEach((group, nodes) -> nodes.forEach(node -> builder.retire(group, node)));
        builder.removed.addAll(removed);
        return builder;
    }

    /** {@link #toBuilder}, but with the slots of {@code removed} unassigned. */
    private SlotMapBuilder toBuilderWithout(long newEpoch, SlotRange removed) {
        SlotMapBuilder builder = new SlotMapBuilder(newEpoch);
        replicas.forEach(builder::group);
        for (int i = 0; i < starts.length; i++) {
            // The parts of each range on either side of the removed one stay.
            if (starts[i] < removed.start()) {
                builder.assign(new SlotRange(starts[i], Math.min(ends[i], removed.start() - 1)), owners[i]);
            }
            if (ends[i] > removed.end()) {
                builder.assign(new SlotRange(Math.max(starts[i], removed.end() + 1), ends[i]), owners[i]);
            }
        }
        builder.migrations.addAll(migrations);
        builder.replicaMoves.putAll(replicaMoves);
        retired.forEach((group, nodes) -> nodes.forEach(node -> builder.retire(group, node)));
        builder.removed.addAll(this.removed);
        return builder;
    }

    public static SlotMapBuilder builder(long epoch) {
        return new SlotMapBuilder(epoch);
    }

    /**
     * The 16,384 slots in {@code groups} contiguous ranges at the boundaries {@code redis-cli --cluster create}
     * gives that many masters (0..5460, 5461..10922, 10923..16383 for three). Its single-precision cursor drifts:
     * up to 77 groups the boundaries are an exact split's, up to 2,687 the sizes still differ by one slot at most,
     * beyond that by up to four, and for some thousands of groups redis-cli would run out of slots before the last
     * master; here every group then keeps at least one slot. The ranges always cover 0..16383 exactly once.
     */
    public static List<SlotRange> evenRanges(int groups) {
        if (groups < 1 || groups > KeySlot.SLOTS) {
            throw new IllegalArgumentException("cannot split 16384 slots into " + groups + " ranges");
        }
        // redis-cli's arithmetic, in single precision as it does it, so that the boundaries are the same:
        // last = lround(cursor + slotsPerGroup - 1), cursor += slotsPerGroup.
        float slotsPerGroup = KeySlot.SLOTS / (float) groups;
        float cursor = 0f;
        int first = 0;
        List<SlotRange> ranges = new ArrayList<>(groups);
        for (int i = 0; i < groups; i++) {
            long last = roundHalfAwayFromZero(cursor + slotsPerGroup - 1);
            if (last > KeySlot.SLOTS || i == groups - 1) {
                last = KeySlot.SLOTS - 1;
            }
            if (last < first) {
                last = first;
            }
            // Where redis-cli's drift would leave later groups no slot (a few thousand groups), leave each one.
            last = Math.min(last, KeySlot.SLOTS - (groups - i));
            ranges.add(new SlotRange(first, (int) last));
            first = (int) last + 1;
            cursor += slotsPerGroup;
        }
        return ranges;
    }

    /** C's lround for a non-negative value. */
    private static long roundHalfAwayFromZero(double value) {
        double floor = Math.floor(value);
        return (long) floor + (value - floor >= 0.5 ? 1 : 0);
    }

    /**
     * A map of epoch 1 in which the groups of {@code replicasByGroup}, in its order, own {@link #evenRanges}
     * ranges: the first group the first range, and so on.
     */
    public static SlotMap evenly(SequencedMap<Long, List<NodeId>> replicasByGroup) {
        List<SlotRange> ranges = evenRanges(replicasByGroup.size());
        SlotMapBuilder builder = new SlotMapBuilder(1);
        int i = 0;
        for (Map.Entry<Long, List<NodeId>> group : replicasByGroup.entrySet()) {
            builder.group(group.getKey(), group.getValue()).assign(ranges.get(i++), group.getKey());
        }
        return builder.build();
    }

    /** {@code groups} groups, ids 1..groups, each replicated on {@code replicas}, owning even ranges in order. */
    public static SlotMap evenly(int groups, List<NodeId> replicas) {
        SequencedMap<Long, List<NodeId>> byGroup = new LinkedHashMap<>();
        for (long group = 1; group <= groups; group++) {
            byGroup.put(group, replicas);
        }
        return evenly(byGroup);
    }

    // ------------------------------------------------------------------ binary form

    /** The map's binary form, for the metadata group's log and snapshots ({@link SlotMapFormat}). */
    public byte[] encode() {
        return SlotMapFormat.encode(this);
    }

    /** The map {@link #encode} wrote; {@link CorruptSlotMapException} for anything else, never a different map. */
    public static SlotMap decode(byte[] bytes) {
        return SlotMapFormat.decode(bytes);
    }

    /** The nodes each group retired from, by group, groups without slots or replicas any more included. */
    SortedMap<Long, SortedSet<NodeId>> retiredByGroup() {
        return retired;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SlotMap map && epoch == map.epoch && Arrays.equals(starts, map.starts)
                && Arrays.equals(ends, map.ends) && Arrays.equals(owners, map.owners)
                && replicas.equals(map.replicas) && migrations.equals(map.migrations)
                && replicaMoves.equals(map.replicaMoves) && retired.equals(map.retired)
                && removed.equals(map.removed);
    }

    @Override
    public int hashCode() {
        return Objects.hash(epoch, Arrays.hashCode(starts), Arrays.hashCode(ends), Arrays.hashCode(owners), replicas,
                migrations, replicaMoves, retired, removed);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("SlotMap{epoch=").append(epoch).append(", groups=").append(replicas)
                .append(", ranges=[");
        for (int i = 0; i < starts.length; i++) {
            text.append(i == 0 ? "" : ", ").append(starts[i]).append("..").append(ends[i]).append("->")
                    .append(owners[i]);
        }
        text.append(']');
        if (!migrations.isEmpty()) {
            text.append(", migrations=").append(migrations);
        }
        if (!replicaMoves.isEmpty()) {
            text.append(", replicaMoves=").append(replicaMoves.values());
        }
        if (!retired.isEmpty()) {
            text.append(", retired=").append(retired);
        }
        if (!removed.isEmpty()) {
            text.append(", removed=").append(removed);
        }
        return text.append('}').toString();
    }
}

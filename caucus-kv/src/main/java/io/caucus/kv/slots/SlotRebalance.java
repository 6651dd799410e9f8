package io.caucus.kv.slots;

import io.caucus.kv.slots.SlotMap.Migration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Plans the slot moves that spread a map's assigned slots evenly over its data groups, as
 * {@code redis-cli --cluster rebalance} does for Redis Cluster (docs/multiraft.md, "Rebalancing"). Pure: a map in,
 * the moves out; {@link SlotMap#startMigrations} records them and the mover carries them out.
 *
 * <p>With S slots assigned and G groups, each group ends owning floor(S/G) or ceil(S/G) slots, the ceilings going to
 * the groups owning most now, which moves the fewest slots: exactly the slots above those shares. Slots go only from
 * a group above its share to one below it, each slot at most once, and each move is a contiguous range of one source.
 * A donor first gives slots at its edges that touch a receiver's range, so that an earlier move is undone where it
 * was made and the map keeps few ranges; the rest come from the donors' highest slots, handed out in slot order to
 * the receivers in id order.
 *
 * <p>A map with a move under way is refused rather than planned around: counting slots in flight would need guessing
 * how the move ends (it may be cancelled), and a second rebalance while the first one runs would otherwise plan over
 * it; redis-cli's rebalance likewise refuses a cluster with open slots.
 */
public final class SlotRebalance {

    /** The default threshold, in percent, as redis-cli's. */
    public static final double DEFAULT_THRESHOLD_PERCENT = 2;

    /** The moves planned against {@code map}, and the map itself (or the map that records them). */
    public record Plan(SlotMap map, List<Migration> moves) {
        public Plan {
            Objects.requireNonNull(map, "map");
            moves = List.copyOf(moves);
        }

        /** How many slots change owner. */
        public int slotsMoved() {
            return moves.stream().mapToInt(move -> move.range().size()).sum();
        }
    }

    private static final long UNASSIGNED = 0;

    private final long[] owners = new long[KeySlot.SLOTS];
    private final long[] newOwners = new long[KeySlot.SLOTS];
    /** Slots each group must still give away (donors) or take (receivers, negative). */
    private final Map<Long, Integer> surplus = new HashMap<>();

    private SlotRebalance(SlotMap map) {
        Arrays.fill(owners, UNASSIGNED);
        for (SlotMap.OwnedRange owned : map.ranges()) {
            Arrays.fill(owners, owned.range().start(), owned.range().end() + 1, owned.group());
        }
        System.arraycopy(owners, 0, newOwners, 0, owners.length);
    }

    /**
     * The moves that leave every group of {@code map} owning floor(S/G) or ceil(S/G) of its S assigned slots, by
     * range start; none if no group's slot count is more than {@code thresholdPercent} percent of an even share
     * (S/G) away from it, or if no slot is assigned.
     *
     * @throws IllegalArgumentException if a move is under way in {@code map} (nothing is planned around it), or the
     *                                  threshold is negative or not a number
     */
    public static List<Migration> plan(SlotMap map, double thresholdPercent) {
        if (!(thresholdPercent >= 0) || Double.isInfinite(thresholdPercent)) {
            throw new IllegalArgumentException("the threshold must be a percentage of 0 or more, not "
                    + thresholdPercent);
        }
        if (!map.migrations().isEmpty()) {
            throw new IllegalArgumentException("slots are moving (" + map.migrations() + "): a rebalance is planned "
                    + "only when no move is under way; wait until 'caucus slots' lists none, then ask again");
        }
        int groups = map.groups().size();
        int assigned = map.assigned();
        if (groups == 0 || assigned == 0) {
            return List.of();
        }
        Map<Long, Integer> counts = slotCounts(map);
        if (withinThreshold(counts.values(), assigned, groups, thresholdPercent)) {
            return List.of();
        }
        SlotRebalance planner = new SlotRebalance(map);
        planner.setShares(counts, assigned / groups, assigned % groups);
        planner.giveAtSharedEdges(map.ranges());
        planner.giveHighestSlots(map.groups());
        return planner.moves();
    }

    private static Map<Long, Integer> slotCounts(SlotMap map) {
        Map<Long, Integer> counts = new HashMap<>();
        for (long group : map.groups()) {
            counts.put(group, 0);
        }
        for (SlotMap.OwnedRange owned : map.ranges()) {
            counts.merge(owned.group(), owned.range().size(), Integer::sum);
        }
        return counts;
    }

    /** True if every count is within {@code thresholdPercent} percent of the even share {@code assigned / groups}. */
    private static boolean withinThreshold(Iterable<Integer> counts, int assigned, int groups,
                                           double thresholdPercent) {
        int floor = assigned / groups;
        int ceiling = floor + (assigned % groups == 0 ? 0 : 1);
        boolean evenAlready = true;
        boolean withinThreshold = true;
        for (int count : counts) {
            evenAlready &= count == floor || count == ceiling;
            // |count - S/G| > threshold% of S/G, multiplied through by G to stay exact for whole shares.
            withinThreshold &= Math.abs((double) count * groups - assigned) * 100 <= thresholdPercent * assigned;
        }
        return evenAlready || withinThreshold;
    }

    /**
     * Each group's share is {@code floor} slots, plus one for the {@code extra} groups owning most (ties by id): those
     * are the shares that move the fewest slots.
     */
    private void setShares(Map<Long, Integer> counts, int floor, int extra) {
        List<Long> byCountDescending = new ArrayList<>(counts.keySet());
        byCountDescending.sort(Comparator.comparing((Long group) -> counts.get(group)).reversed()
                .thenComparing(Comparator.naturalOrder()));
        for (int i = 0; i < byCountDescending.size(); i++) {
            long group = byCountDescending.get(i);
            int share = floor + (i < extra ? 1 : 0);
            surplus.put(group, counts.get(group) - share);
        }
    }

    /**
     * Where a donor's range touches a receiver's, moves the boundary: the donor gives the slots at that edge, as
     * many as both still give and take. Undoes a manual move where it was made, and the map gains no range.
     */
    private void giveAtSharedEdges(List<SlotMap.OwnedRange> ranges) {
        for (int i = 1; i < ranges.size(); i++) {
            SlotMap.OwnedRange before = ranges.get(i - 1);
            SlotMap.OwnedRange after = ranges.get(i);
            if (before.range().end() + 1 != after.range().start()) {
                continue; // unassigned slots between them
            }
            if (surplus.get(before.group()) > 0 && surplus.get(after.group()) < 0) {
                for (int slot = before.range().end(); slot >= before.range().start(); slot--) {
                    if (!give(slot, after.group())) {
                        break;
                    }
                }
            } else if (surplus.get(after.group()) > 0 && surplus.get(before.group()) < 0) {
                for (int slot = after.range().start(); slot <= after.range().end(); slot++) {
                    if (!give(slot, before.group())) {
                        break;
                    }
                }
            }
        }
    }

    /** Gives {@code slot} to {@code receiver} if its owner still gives, the receiver still takes, and it is unmoved. */
    private boolean give(int slot, long receiver) {
        long donor = owners[slot];
        if (newOwners[slot] != donor || surplus.get(donor) <= 0 || surplus.get(receiver) >= 0) {
            return false;
        }
        newOwners[slot] = receiver;
        surplus.merge(donor, -1, Integer::sum);
        surplus.merge(receiver, 1, Integer::sum);
        return true;
    }

    /**
     * The rest: each donor's highest slots it still owns, as many as it still gives, handed out in slot order to the
     * receivers in id order.
     */
    private void giveHighestSlots(Iterable<Long> groups) {
        List<Integer> given = new ArrayList<>();
        for (int slot = KeySlot.SLOTS - 1; slot >= 0; slot--) {
            long owner = owners[slot];
            if (owner != UNASSIGNED && newOwners[slot] == owner && surplus.get(owner) > 0) {
                given.add(slot);
                surplus.merge(owner, -1, Integer::sum);
            }
        }
        given.sort(Comparator.naturalOrder());
        int next = 0;
        for (long receiver : groups) {
            while (surplus.get(receiver) < 0) {
                newOwners[given.get(next++)] = receiver;
                surplus.merge(receiver, 1, Integer::sum);
            }
        }
    }

    /** The changed slots as moves: maximal runs of consecutive slots with one source and one target. */
    private List<Migration> moves() {
        List<Migration> moves = new ArrayList<>();
        int slot = 0;
        while (slot < KeySlot.SLOTS) {
            if (newOwners[slot] == owners[slot]) {
                slot++;
                continue;
            }
            int start = slot;
            while (slot + 1 < KeySlot.SLOTS && owners[slot + 1] == owners[start]
                    && newOwners[slot + 1] == newOwners[start] && newOwners[slot + 1] != owners[slot + 1]) {
                slot++;
            }
            moves.add(new Migration(SlotRange.of(start, slot), owners[start], newOwners[start]));
            slot++;
        }
        return moves;
    }
}

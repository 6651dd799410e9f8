package io.caucus.kv.slots;

import io.caucus.kv.command.CommandSpec;
import io.caucus.kv.command.Reply;
import java.util.List;

/**
 * Which one hash slot a command touches: the check Redis Cluster makes before it routes a command, and that a
 * sharded Caucus needs because the keys of one slot live in one Raft group, so one command (or one transaction)
 * is one entry of one group's log, atomic as it is today. A command whose keys hash to more than one slot is
 * refused with {@link #CROSSSLOT}, word for word Redis's reply.
 *
 * <p>Transactions, as redis-server 7.0 in cluster mode answers them (checked in {@code SlotsRedisIT}):
 * <ul>
 *   <li>each command is checked when it is queued: one whose own keys span slots is answered CROSSSLOT instead of
 *       QUEUED, and the transaction is marked failed, so EXEC answers EXECABORT;</li>
 *   <li>commands whose keys each lie in one slot, but not the same one, are all QUEUED; EXEC then answers
 *       CROSSSLOT, runs none of them and ends the transaction (EXEC's slot is the {@link #combine combination} of
 *       every queued command's);</li>
 *   <li>WATCH is a keyed command like the others (its keys must share a slot), but EXEC does not compare the
 *       watched keys' slot with the queued commands'.</li>
 * </ul>
 */
public final class SlotCheck {

    /** Redis Cluster's refusal of a request whose keys are in more than one slot. */
    public static final Reply.Error CROSSSLOT = new Reply.Error("CROSSSLOT",
            "Keys in request don't hash to the same slot");

    /** What a command's (or a transaction's) keys say about where it runs. */
    public sealed interface Outcome {
    }

    /** No key: the command may run anywhere (PING, DBSIZE, EVAL with 0 keys, an EXEC of keyless commands). */
    public record Keyless() implements Outcome {
    }

    /** Every key hashes to {@code slot}. */
    public record Single(int slot) implements Outcome {
        public Single {
            SlotRange.checkSlot(slot);
        }
    }

    /** The keys hash to more than one slot: answer {@link #CROSSSLOT}. */
    public record CrossSlot() implements Outcome {
    }

    public static final Outcome KEYLESS = new Keyless();
    public static final Outcome CROSS_SLOT = new CrossSlot();

    private SlotCheck() {
    }

    /**
     * The slot of {@code args}' keys when run by {@code spec} (for a command with subcommands, the subcommand's
     * spec, as for {@link CommandKeys#of}).
     */
    public static Outcome slotOf(CommandSpec spec, List<byte[]> args) {
        return slotOfKeys(CommandKeys.of(spec, args));
    }

    /** The one slot of {@code keys}, {@link Keyless} for none. */
    public static Outcome slotOfKeys(List<byte[]> keys) {
        Outcome outcome = KEYLESS;
        for (byte[] key : keys) {
            outcome = combine(outcome, new Single(KeySlot.of(key)));
            if (outcome instanceof CrossSlot) {
                break;
            }
        }
        return outcome;
    }

    /**
     * The outcome of two commands run as one (a transaction so far and its next queued command): keyless adds
     * nothing, one slot and the same slot stay that slot, anything else is cross-slot.
     */
    public static Outcome combine(Outcome a, Outcome b) {
        return switch (a) {
            case Keyless k -> b;
            case CrossSlot c -> a;
            case Single(int slot) -> switch (b) {
                case Keyless k -> a;
                case CrossSlot c -> b;
                case Single(int other) -> slot == other ? a : CROSS_SLOT;
            };
        };
    }

    /** The outcome of a transaction's queued commands together, {@code queued} each a spec and its arguments. */
    public static Outcome slotOfAll(List<Queued> queued) {
        Outcome outcome = KEYLESS;
        for (Queued command : queued) {
            outcome = combine(outcome, slotOf(command.spec(), command.args()));
        }
        return outcome;
    }

    /** A command queued in a transaction. */
    public record Queued(CommandSpec spec, List<byte[]> args) {
    }
}

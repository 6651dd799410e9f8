package io.caucus.kv.state;

import io.caucus.kv.command.ErrorCodes;
import io.caucus.kv.command.Reply;
import io.caucus.kv.slots.KeySlot;
import io.caucus.kv.slots.SlotRange;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.IntPredicate;

/**
 * A data group's part in slot moves (docs/multiraft.md, "Moving slots between groups"): which of its slots are
 * migrating out, importing or gone, the copies staged for import, and the keys released or promoted by moves under
 * way (the source keeps the names it released until the mover's {@link MoveStep.Forget}, after the map records the
 * move as done, or until the slots move again). Replicated: changed only by {@link MoveStep}s applied from the log,
 * and checked on every command, so every replica accepts and refuses the same commands whatever map the node that
 * routed them held.
 *
 * <p>A slot with no state here is served as the router sent it (the group owns it, as far as its log knows). The
 * rules, per state of the slot of a command's keys:
 * <ul>
 *   <li><b>migrating</b> (source): served if this group holds every key; answered ASK (to the target) if it holds
 *       none, since a key it does not hold is never created here again; TRYAGAIN if it holds some;</li>
 *   <li><b>importing</b> (target): a command the client sent without ASKING is answered MOVED to the source, as
 *       redis-server's importing node answers: only the source knows whether it still holds the key, and a router
 *       whose map is behind (one move finished, another begun back into this group) sends commands here that no ASK
 *       preceded. With ASKING (the source answered ASK, so it holds none of the keys and will not create them):
 *       TRYAGAIN if a key's copy is staged (its release may have happened; the promote will come), else served;</li>
 *   <li><b>gone</b> (source after the hand-over): answered MOVED to the new owner.</li>
 * </ul>
 *
 * <p>Owned by {@link KvStateMachine}'s apply path (under its lock).
 */
final class SlotMoves {

    /** What a slot is doing here. */
    sealed interface SlotState {
        long peer();

        /** The state's code in snapshots and digests: {@link #MIGRATING}, {@link #IMPORTING} or {@link #GONE}. */
        default byte code() {
            return switch (this) {
                case Migrating ignored -> MIGRATING;
                case Importing ignored -> IMPORTING;
                case Gone ignored -> GONE;
            };
        }
    }

    record Migrating(long peer) implements SlotState {
    }

    record Importing(long peer) implements SlotState {
    }

    record Gone(long peer) implements SlotState {
    }

    static final byte MIGRATING = 1;
    static final byte IMPORTING = 2;
    static final byte GONE = 3;

    private final Map<Integer, SlotState> slots = new TreeMap<>();
    /** Copies staged by imports, served to no one until promoted: key → value, expiry, the source's version. */
    private final Keyspace.KeyTable staged = new Keyspace.KeyTable();
    /**
     * Keys released by migrations (the source): listed by the hand-over, and forgotten when their slot next starts
     * a move here (imported back, or migrating to another move).
     */
    private final SetValue released = new SetValue();
    /** Keys promoted by imports under way (the target); a late copy of one is never staged again. */
    private final SetValue promoted = new SetValue();
    /**
     * The newest mover seen here (the metadata group's term it runs in): a step of an older one is refused. Two movers
     * overlap when the metadata leadership changes and the deposed leader has not noticed yet (it was paused, say);
     * interleaved, their steps could stage an old copy over the new one's, or start a finished move again.
     */
    private long fence;
    /** Copies of keys too large for one stage, as their parts come in: key → the parts so far (see StagePart). */
    private final TreeMap<ByteBuffer, PartialCopy> partials = new TreeMap<>();

    /** The parts of one key's copy applied so far. */
    record PartialCopy(long source, long version, long total, ByteArrayOutputStream bytes) {
        long filled() {
            return bytes.size();
        }
    }

    boolean idle() {
        return slots.isEmpty();
    }

    // ------------------------------------------------------------------ commands

    /**
     * Why a command touching {@code keys} (all of one slot, as the router checked), sent after ASKING or not, is not
     * served here, or null if it is. The refusals change nothing: ASK and MOVED name a group
     * ({@link ErrorCodes#ASKGROUP}, {@link ErrorCodes#MOVEDGROUP}), which the node turns into the group leader's
     * address.
     */
    Reply.Error refusal(List<byte[]> keys, boolean asking, Keyspace keyspace, long nowMillis) {
        if (slots.isEmpty() || keys.isEmpty()) {
            return null;
        }
        int slot = KeySlot.of(keys.getFirst());
        return switch (slots.get(slot)) {
            case null -> null;
            case Gone gone -> redirect(ErrorCodes.MOVEDGROUP, slot, gone.peer());
            case Migrating migrating -> {
                int held = 0;
                for (byte[] key : keys) {
                    if (keyspace.lookup(key, nowMillis) != null) {
                        held++;
                    }
                }
                yield held == keys.size() ? null
                        : held == 0 ? redirect(ErrorCodes.ASKGROUP, slot, migrating.peer())
                        : tryAgain("Multiple keys request during rehashing of slot");
            }
            case Importing importing when !asking -> redirect(ErrorCodes.MOVEDGROUP, slot, importing.peer());
            case Importing ignored -> {
                for (byte[] key : keys) {
                    if (staged.containsKey(key)) {
                        yield tryAgain("key is being moved here; its copy is not yet served");
                    }
                }
                yield null;
            }
        };
    }

    private static Reply.Error redirect(String code, int slot, long group) {
        return new Reply.Error(code, slot + " " + group);
    }

    private static Reply.Error tryAgain(String why) {
        return new Reply.Error(ErrorCodes.TRYAGAIN, why);
    }

    // ------------------------------------------------------------------ steps

    /**
     * Applies {@code step}, proposed by the mover of term {@code mover}, at log {@code index} and time
     * {@code nowMillis}; the reply goes to the mover. A step of a mover older than the newest seen here changes
     * nothing and is refused.
     */
    Reply apply(MoveStep step, long mover, Keyspace keyspace, long nowMillis, long index) {
        if (mover < fence) {
            return Reply.error("a mover of metadata term " + mover + " is fenced off: one of term " + fence
                    + " moves slots here now");
        }
        fence = mover;
        return switch (step) {
            case MoveStep.Migrate migrate -> migrate(migrate);
            case MoveStep.Import in -> {
                forgetKeys(released, in.range()); // released in a move out that is over: the slots come back
                yield mark(in.range(), new Importing(in.source()));
            }
            case MoveStep.Stage stage -> stage(stage.source(), stage.keys(), keyspace, nowMillis);
            case MoveStep.StagePart part -> stagePart(part, keyspace, nowMillis);
            case MoveStep.Release release -> release(release, keyspace, nowMillis, index);
            case MoveStep.Promote promote -> promote(promote, keyspace, nowMillis, index);
            case MoveStep.Handover handover -> handOver(handover, keyspace, nowMillis);
            case MoveStep.Own own -> own(own);
            case MoveStep.Forget forget -> forget(forget);
        };
    }

    /**
     * Marks the range migrating. Keys released by an earlier move of one of its slots out of this group are
     * forgotten when a new move starts, not when a mover runs this move again from its start (the slot migrates or
     * is gone to the same target already): the hand-over's answer must still list them.
     */
    private Reply migrate(MoveStep.Migrate migrate) {
        SlotRange range = migrate.range();
        Set<Integer> fresh = new HashSet<>();
        for (int slot = range.start(); slot <= range.end(); slot++) {
            SlotState state = slots.get(slot);
            boolean sameMove = (state instanceof Migrating || state instanceof Gone) && state.peer() == migrate.target();
            if (!sameMove) {
                fresh.add(slot);
            }
        }
        if (!fresh.isEmpty()) {
            forgetKeys(released, range, fresh::contains);
        }
        return mark(range, new Migrating(migrate.target()));
    }

    private Reply mark(SlotRange range, SlotState state) {
        for (int slot = range.start(); slot <= range.end(); slot++) {
            slots.put(slot, state);
        }
        return Reply.OK;
    }

    /**
     * Stages the copies whose slot imports from the stage's source, unless the key is already served here, or a copy
     * of a newer version (the source's last-changed index) is staged already: a copy committed late never replaces
     * the one the source released.
     */
    private Reply stage(long source, byte[] batch, Keyspace keyspace, long nowMillis) {
        Keyspace.KeyTable copies;
        try {
            copies = KvSnapshotFormat.readKeyBatch(batch);
        } catch (java.io.IOException e) {
            return Reply.error("unreadable key batch: " + e.getMessage());
        }
        long count = 0;
        for (Dict.Entry<Object> e : copies.entries()) {
            KeyEntry copy = (KeyEntry) e;
            boolean importing = slots.get(KeySlot.of(copy.key())) instanceof Importing in
                    && in.peer() == source;
            KeyEntry stagedBefore = (KeyEntry) staged.entry(copy.key());
            boolean newer = stagedBefore == null || stagedBefore.modifiedIndex() <= copy.modifiedIndex();
            if (importing && newer && keyspace.lookup(copy.key(), nowMillis) == null
                    && !promoted.containsKey(copy.key())) {
                staged.remove(copy.key());
                staged.link(Keyspace.restoredEntry(copy.key(), copy.value(), copy.expireAtMillis(),
                        copy.modifiedIndex()));
                count++;
            }
        }
        return new Reply.Int(count);
    }

    /**
     * One part of a large key's copy: the first starts the copy (over any earlier one of the key), each next one must
     * follow the parts applied (same version, at the offset they reach; one applied again changes nothing), and the
     * last stages the assembled key as a {@link MoveStep.Stage} of it would. Answers the staged count on the last part,
     * OK on the others; an error, changing nothing, for a part that does not follow (the mover copies the key again).
     */
    private Reply stagePart(MoveStep.StagePart part, Keyspace keyspace, long nowMillis) {
        if (!(slots.get(KeySlot.of(part.key())) instanceof Importing in) || in.peer() != part.source()) {
            return Reply.error("slot " + KeySlot.of(part.key()) + " is not importing from group " + part.source());
        }
        ByteBuffer name = ByteBuffer.wrap(part.key());
        PartialCopy copy = partials.get(name);
        if (part.offset() == 0) {
            copy = new PartialCopy(part.source(), part.version(), part.total(),
                    new ByteArrayOutputStream((int) Math.min(part.total(), 1 << 20)));
            partials.put(name, copy);
        } else if (copy == null && stagedOrPromoted(part.key(), part.version())) {
            return new Reply.Int(0); // the last part applied before (a retried step): the copy is staged already
        } else if (copy == null || copy.version() != part.version() || copy.total() != part.total()
                || copy.filled() < part.offset()) {
            return Reply.error("a part at offset " + part.offset() + " of a copy of version " + part.version()
                    + " does not follow the parts applied here");
        } else if (copy.filled() > part.offset()) {
            return Reply.OK; // applied before (a retried step)
        }
        copy.bytes().writeBytes(part.bytes());
        if (!part.last()) {
            return Reply.OK;
        }
        partials.remove(name);
        return stage(part.source(), copy.bytes().toByteArray(), keyspace, nowMillis);
    }

    private boolean stagedOrPromoted(byte[] key, long version) {
        KeyEntry copy = (KeyEntry) staged.entry(key);
        return (copy != null && copy.modifiedIndex() == version) || promoted.containsKey(key);
    }

    private Reply release(MoveStep.Release release, Keyspace keyspace, long nowMillis, long index) {
        List<Reply> answers = new ArrayList<>(release.keys().size());
        for (MoveStep.KeyVersion key : release.keys()) {
            answers.add(new Reply.Int(releaseOne(key, release.target(), keyspace, nowMillis, index)));
        }
        return new Reply.Array(answers);
    }

    private long releaseOne(MoveStep.KeyVersion key, long target, Keyspace keyspace, long nowMillis, long index) {
        if (!(slots.get(KeySlot.of(key.key())) instanceof Migrating migrating) || migrating.peer() != target) {
            return MoveStep.NOT_MIGRATING;
        }
        if (released.containsKey(key.key())) {
            return MoveStep.RELEASED; // a release applied twice (the mover retried it)
        }
        KeyEntry entry = keyspace.lookup(key.key(), nowMillis);
        if (entry == null) {
            return MoveStep.ABSENT;
        }
        if (entry.modifiedIndex() != key.version()) {
            return MoveStep.KEPT;
        }
        keyspace.delete(key.key(), index);
        released.addMember(key.key());
        return MoveStep.RELEASED;
    }

    private Reply promote(MoveStep.Promote promote, Keyspace keyspace, long nowMillis, long index) {
        long served = 0;
        for (byte[] key : promote.released()) {
            KeyEntry copy = (KeyEntry) staged.remove(key);
            if (copy == null || !(slots.get(KeySlot.of(key)) instanceof Importing in) || in.peer() != promote.source()) {
                continue; // promoted before (a retried step), or never staged
            }
            promoted.addMember(key);
            if (copy.expiredAt(nowMillis) || keyspace.lookup(key, nowMillis) != null) {
                continue; // expired on the way; or created here after an ASK, which is newer than any copy
            }
            keyspace.lookupForWrite(key, nowMillis, index); // deletes an expired leftover of the same name
            KeyEntry live = keyspace.create(key, copy.value(), index);
            if (copy.hasExpiry()) {
                keyspace.setExpiry(live, copy.expireAtMillis(), index);
            }
            served++;
        }
        for (byte[] key : promote.dropped()) {
            staged.remove(key);
        }
        return new Reply.Int(served);
    }

    /**
     * Refused while a key of the range is still held here: handing it over would lose it. Answers every key this
     * move released, for the mover to promote in the target before its {@code Own}: a release whose promote never
     * came (the mover that proposed it crashed, or its step timed out) would otherwise leave the key staged in the
     * target, which drops what is still staged when it owns the range. A hand-over applied again answers the same
     * keys (they are kept until the slots move again), and a release applied after it changes nothing (the slots are
     * gone), so the list is complete whenever the mover reads it.
     */
    private Reply handOver(MoveStep.Handover handover, Keyspace keyspace, long nowMillis) {
        SlotRange range = handover.range();
        long[] held = {0};
        keyspace.forEachLive(nowMillis, entry -> {
            if (range.contains(KeySlot.of(entry.key()))) {
                held[0]++;
            }
        });
        if (held[0] > 0) {
            return Reply.error("slots " + range + " still hold " + held[0] + " keys here; not handed over");
        }
        mark(range, new Gone(handover.target()));
        List<Reply> releasedKeys = new ArrayList<>();
        released.forEach(e -> {
            if (range.contains(KeySlot.of(e.key()))) {
                releasedKeys.add(new Reply.Bulk(e.key()));
            }
        });
        return new Reply.Array(releasedKeys);
    }

    private Reply own(MoveStep.Own own) {
        SlotRange range = own.range();
        for (int slot = range.start(); slot <= range.end(); slot++) {
            slots.remove(slot);
        }
        forgetKeys(staged, range);
        forgetKeys(promoted, range);
        partials.keySet().removeIf(name -> range.contains(KeySlot.of(name.array())));
        return Reply.OK;
    }

    /** Drops the released names of the range's slots handed over to the step's target; answers how many. */
    private Reply forget(MoveStep.Forget forget) {
        int before = released.size();
        forgetKeys(released, forget.range(), slot -> slots.get(slot) instanceof Gone gone
                && gone.peer() == forget.target());
        return new Reply.Int(before - released.size());
    }

    private static void forgetKeys(Dict<?> keys, SlotRange range) {
        forgetKeys(keys, range, slot -> true);
    }

    private static void forgetKeys(Dict<?> keys, SlotRange range, IntPredicate slots) {
        List<byte[]> inRange = new ArrayList<>();
        keys.forEach(e -> {
            int slot = KeySlot.of(e.key());
            if (range.contains(slot) && slots.test(slot)) {
                inRange.add(e.key());
            }
        });
        inRange.forEach(keys::remove);
    }

    // ------------------------------------------------------------------ snapshots

    /** A copy of the state for a snapshot (small: a move keeps a batch or so staged, and key names). */
    Saved save() {
        TreeMap<ByteBuffer, PartialCopy> partialsNow = new TreeMap<>();
        partials.forEach((name, copy) -> partialsNow.put(name, new PartialCopy(copy.source(), copy.version(),
                copy.total(), copyOf(copy.bytes()))));
        return new Saved(new TreeMap<>(slots), staged.copy(), released.copyOf(), promoted.copyOf(), fence,
                partialsNow);
    }

    void restore(Saved saved) {
        slots.clear();
        slots.putAll(saved.slots());
        staged.clear();
        saved.staged().forEach(e -> staged.link(Keyspace.restoredEntry(e.key(), e.value(),
                ((KeyEntry) e).expireAtMillis(), ((KeyEntry) e).modifiedIndex())));
        released.clear();
        saved.released().forEach(e -> released.addMember(e.key()));
        promoted.clear();
        saved.promoted().forEach(e -> promoted.addMember(e.key()));
        fence = saved.fence();
        partials.clear();
        partials.putAll(saved.partials());
    }

    private static ByteArrayOutputStream copyOf(ByteArrayOutputStream bytes) {
        ByteArrayOutputStream copy = new ByteArrayOutputStream(bytes.size());
        copy.writeBytes(bytes.toByteArray());
        return copy;
    }

    /** The state as a snapshot holds it. */
    record Saved(Map<Integer, SlotState> slots, Dict<Object> staged, SetValue released, SetValue promoted,
                 long fence, SortedMap<ByteBuffer, PartialCopy> partials) {
        static final Saved NONE = new Saved(Map.of(), new Keyspace.KeyTable(), new SetValue(), new SetValue(), 0,
                new TreeMap<>());

        /** As read from a snapshot's later sections: the newest mover seen, the large keys' copies in parts. */
        Saved with(long mover, SortedMap<ByteBuffer, PartialCopy> parts) {
            return new Saved(slots, staged, released, promoted, mover, parts);
        }
    }

    // ------------------------------------------------------------------ for the mover and checkers

    /** The state of {@code slot} here, or null. */
    SlotState stateOf(int slot) {
        return slots.get(slot);
    }

    int stagedCount() {
        return staged.size();
    }

    int releasedCount() {
        return released.size();
    }
}

package io.caucus.kv.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.kv.command.ErrorCodes;
import io.caucus.kv.command.Reply;
import io.caucus.kv.slots.KeySlot;
import io.caucus.kv.slots.SlotRange;
import io.caucus.server.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A slot range moved between two groups' state machines step by step, as the mover drives it (docs/multiraft.md,
 * "Moving slots between groups"): every key ends in exactly one group, with the writes made during the move, and
 * commands are refused (ASK, TRYAGAIN, MOVED) exactly where serving them could lose or fork a key.
 */
class SlotMovesTest {

    private static final long T0 = 1_700_000_000_000L;
    private static final long SOURCE = 2;
    private static final long TARGET = 3;
    /** Keys with the hashtag {m} share one slot. */
    private static final int SLOT = KeySlot.of(b("{m}"));
    private static final SlotRange RANGE = SlotRange.single(SLOT);

    /** One group's replica, applying entries in its own log order. */
    private static final class Group {
        final KvStateMachine machine = new KvStateMachine(100);
        long index;
        long client;
        long sequence;
        /** Whether its clients' commands come with ASKING, as a client sent on by the source's ASK sends them. */
        boolean asking;
        /** The metadata term of the mover whose steps {@link #step} applies. */
        long moverTerm;

        Group(boolean asking) {
            this.asking = asking;
            client = ((Reply.Int) apply(new KvEntry.Register(T0))).value();
        }

        Reply apply(KvEntry entry) {
            return EntryCodec.decodeReply(machine.apply(++index, EntryCodec.encode(entry)));
        }

        Reply step(MoveStep step) {
            return stepOf(moverTerm, step);
        }

        /** A step of the mover running in metadata term {@code term}. */
        Reply stepOf(long term, MoveStep step) {
            return apply(new KvEntry.Move(T0, step, term));
        }

        Reply write(String... args) {
            return writeAs(++sequence, args);
        }

        Reply writeAs(long sequence, String... args) {
            return apply(new KvEntry.SessionCommand(T0, client, sequence, new KvEntry.Call(argv(args)), asking));
        }

        Reply read(String... args) {
            return EntryCodec.decodeReply(machine.query(EntryCodec.encode(new KvQuery.Call(T0, argv(args), asking))));
        }

        /** Every live key of the range with its value and version, scanned as the mover scans. */
        List<KeyEntry> scan(SlotRange range) throws IOException {
            List<KeyEntry> keys = new ArrayList<>();
            long cursor = 0;
            do {
                Reply.Array answer = (Reply.Array) EntryCodec.decodeReply(machine.query(EntryCodec.encode(
                        new KvQuery.MoveScan(T0, range, cursor, 3))));
                cursor = ((Reply.Int) answer.elements().get(0)).value();
                byte[] batch = ((Reply.Bulk) answer.elements().get(1)).value();
                KvSnapshotFormat.readKeyBatch(batch).forEach(e -> keys.add((KeyEntry) e));
            } while (cursor != 0);
            return keys;
        }
    }

    private final Group source = new Group(false);
    /** Reached by clients the source sent on with ASK (a test of commands without ASKING says so). */
    private final Group target = new Group(true);

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<byte[]> argv(String... args) {
        return Arrays.stream(args).map(SlotMovesTest::b).toList();
    }

    private static String text(Reply reply) {
        return reply instanceof Reply.Bulk bulk ? new String(bulk.value(), StandardCharsets.UTF_8) : null;
    }

    private static String code(Reply reply) {
        return reply instanceof Reply.Error error ? error.code() : null;
    }

    private void start() {
        assertThat(target.step(new MoveStep.Import(RANGE, SOURCE))).isEqualTo(Reply.OK);
        assertThat(source.step(new MoveStep.Migrate(RANGE, TARGET))).isEqualTo(Reply.OK);
    }

    private void stage(List<KeyEntry> keys) {
        target.step(new MoveStep.Stage(SOURCE, KvSnapshotFormat.writeKeyBatch(keys)));
    }

    private List<Long> release(List<KeyEntry> keys) {
        Reply.Array answers = (Reply.Array) source.step(new MoveStep.Release(TARGET, keys.stream()
                .map(k -> new MoveStep.KeyVersion(k.key(), k.modifiedIndex())).toList()));
        return answers.elements().stream().map(r -> ((Reply.Int) r).value()).toList();
    }

    /** One pass of the mover: copy every key of the range, release what did not change, promote what was released. */
    private void copyOnce() throws IOException {
        List<KeyEntry> keys = source.scan(RANGE);
        stage(keys);
        List<Long> answers = release(keys);
        List<byte[]> released = new ArrayList<>();
        List<byte[]> dropped = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            if (answers.get(i) == MoveStep.RELEASED) {
                released.add(keys.get(i).key());
            } else if (answers.get(i) == MoveStep.ABSENT) {
                dropped.add(keys.get(i).key());
            }
        }
        target.step(new MoveStep.Promote(SOURCE, released, dropped));
    }

    /** The hand-over, a promote of every key it lists as released (as the mover sends it), and the target's Own. */
    private void finish() {
        Reply handedOver = source.step(new MoveStep.Handover(RANGE, TARGET));
        assertThat(handedOver).isInstanceOf(Reply.Array.class);
        target.step(new MoveStep.Promote(SOURCE, ((Reply.Array) handedOver).elements().stream()
                .map(key -> ((Reply.Bulk) key).value()).toList(), List.of()));
        assertThat(target.step(new MoveStep.Own(RANGE, SOURCE))).isEqualTo(Reply.OK);
    }

    /** The keys a hand-over's answer lists, as text. */
    private static List<String> listed(Reply handedOver) {
        return ((Reply.Array) handedOver).elements().stream().map(SlotMovesTest::text).toList();
    }

    /**
     * Found by the simulator (MultiGroupMovesTest, e.g. seed 43 of 4 groups, 600 ticks, before this fix): a mover
     * stopped (crashed, lost the metadata leadership, or timed out a step) after its release committed and before its
     * promote; the next mover, starting the move again, found no key left in the source, and the target's Own dropped
     * the keys still staged: acknowledged writes lost. The hand-over now lists the keys the move released, and the
     * mover promotes them before Own.
     */
    @Test
    void aKeyReleasedByAMoverThatStoppedBeforeItsPromoteIsServedByTheTarget() throws IOException {
        source.write("SET", "{m}k", "1");
        source.write("SET", "{m}j", "2");
        start();
        List<KeyEntry> copied = source.scan(RANGE);
        stage(copied);
        assertThat(release(copied)).containsExactly(MoveStep.RELEASED, MoveStep.RELEASED);
        // The mover stops here; the next one runs the move from its start and finds nothing left to copy.
        start();
        assertThat(source.scan(RANGE)).isEmpty();
        assertThat(code(target.read("GET", "{m}k"))).isEqualTo(ErrorCodes.TRYAGAIN); // staged, served to no one

        Reply handedOver = source.step(new MoveStep.Handover(RANGE, TARGET));
        assertThat(listed(handedOver)).containsExactlyInAnyOrder("{m}k", "{m}j");
        start(); // a mover stopping after the hand-over: the next one hands over again and gets the same list
        assertThat(listed(source.step(new MoveStep.Handover(RANGE, TARGET)))).containsExactlyInAnyOrder("{m}k", "{m}j");
        finish();
        assertThat(text(target.read("GET", "{m}k"))).isEqualTo("1");
        assertThat(text(target.read("GET", "{m}j"))).isEqualTo("2");
        assertThat(target.machine.stagedMoveCopies()).isZero();
    }

    /**
     * The source keeps the names of the keys it released until the move is done in the map (a hand-over applied again
     * must list them all), then the mover's Forget drops them: a gigabyte moved out would otherwise leave a million
     * names in the source's memory and snapshots until the slots moved again.
     */
    @Test
    void theSourceForgetsTheNamesItReleasedOnlyOnceItHandedTheSlotsOver() throws IOException {
        source.write("SET", "{m}k", "1");
        source.write("SET", "{m}j", "2");
        start();
        copyOnce();
        assertThat(source.machine.releasedMoveNames()).isEqualTo(2);
        assertThat(source.step(new MoveStep.Forget(RANGE, TARGET))).isEqualTo(new Reply.Int(0)); // still migrating
        assertThat(source.step(new MoveStep.Forget(RANGE, 9))).isEqualTo(new Reply.Int(0)); // another target
        finish();
        assertThat(source.step(new MoveStep.Forget(RANGE, TARGET))).isEqualTo(new Reply.Int(2));
        assertThat(source.machine.releasedMoveNames()).isZero();
        assertThat(source.step(new MoveStep.Forget(RANGE, TARGET))).isEqualTo(new Reply.Int(0)); // applied again
        assertThat(text(target.read("GET", "{m}k"))).isEqualTo("1");
        assertThat(source.read("GET", "{m}k")).isEqualTo(new Reply.Error(ErrorCodes.MOVEDGROUP, SLOT + " " + TARGET));
    }

    @Test
    void theHandOverListsOnlyTheKeysOfTheMoveUnderWay() throws IOException {
        source.write("SET", "{m}k", "1");
        start();
        copyOnce();
        finish();
        // The range comes back to the source, empty, and goes out again: the first move's keys are not listed.
        assertThat(target.write("DEL", "{m}k")).isEqualTo(new Reply.Int(1));
        assertThat(source.step(new MoveStep.Import(RANGE, TARGET))).isEqualTo(Reply.OK);
        assertThat(target.step(new MoveStep.Migrate(RANGE, SOURCE))).isEqualTo(Reply.OK);
        assertThat(listed(target.step(new MoveStep.Handover(RANGE, SOURCE)))).isEmpty();
        assertThat(source.step(new MoveStep.Own(RANGE, TARGET))).isEqualTo(Reply.OK);
        assertThat(source.write("SET", "{m}n", "1")).isEqualTo(Reply.OK);
        start();
        copyOnce();
        assertThat(listed(source.step(new MoveStep.Handover(RANGE, TARGET)))).containsExactly("{m}n");
    }

    @Test
    void everyKeyOfTheRangeMovesWithItsTypeAndExpiryAndTheOthersStay() throws IOException {
        source.write("SET", "{m}s", "v");
        source.write("HSET", "{m}h", "f", "1");
        source.write("RPUSH", "{m}l", "a", "b");
        source.write("SET", "{m}ttl", "x", "PX", "60000");
        source.write("SET", "other", "stays");
        start();
        copyOnce();
        finish();

        assertThat(text(target.read("GET", "{m}s"))).isEqualTo("v");
        assertThat(text(target.read("HGET", "{m}h", "f"))).isEqualTo("1");
        assertThat(((Reply.Array) target.read("LRANGE", "{m}l", "0", "-1")).elements().stream().map(SlotMovesTest::text))
                .containsExactly("a", "b");
        assertThat(target.read("PTTL", "{m}ttl")).isEqualTo(new Reply.Int(60000));
        assertThat(target.read("DBSIZE")).isEqualTo(new Reply.Int(4));
        assertThat(source.read("DBSIZE")).isEqualTo(new Reply.Int(1));
        assertThat(text(source.read("GET", "other"))).isEqualTo("stays");
        Reply moved = source.read("GET", "{m}s");
        assertThat(moved).isEqualTo(new Reply.Error(ErrorCodes.MOVEDGROUP, SLOT + " " + TARGET));
        assertThat(source.write("SET", "{m}new", "1")).isEqualTo(moved);
        assertThat(source.read("DBSIZE")).isEqualTo(new Reply.Int(1));
    }

    @Test
    void theSourceServesKeysItHoldsAndSendsTheRestToTheTarget() {
        source.write("SET", "{m}a", "1");
        start();
        assertThat(source.write("INCR", "{m}a")).isEqualTo(new Reply.Int(2));
        Reply ask = source.write("SET", "{m}fresh", "1");
        assertThat(ask).isEqualTo(new Reply.Error(ErrorCodes.ASKGROUP, SLOT + " " + TARGET));
        assertThat(source.read("GET", "{m}fresh")).isEqualTo(ask);
        assertThat(code(source.write("MSET", "{m}a", "1", "{m}fresh", "2"))).isEqualTo(ErrorCodes.TRYAGAIN);
        assertThat(source.read("EXISTS", "{m}fresh")).isEqualTo(ask); // nothing was created
        // The target takes a key the source never held (the client came with ASKING).
        assertThat(target.write("SET", "{m}fresh", "t")).isEqualTo(Reply.OK);
        assertThat(text(target.read("GET", "{m}fresh"))).isEqualTo("t");
    }

    /**
     * Found by the simulator with clients routing by stale maps (MultiGroupMovesTest, seed 2006): a node whose map is
     * two moves behind (the slot moved out of the target's group, and is moving back into it) sends a command here
     * that no ASK preceded, while the source still holds the key. Served, it would fork the key; only the source knows
     * whether it still holds it, so the target sends such commands there, as redis-server's importing node does.
     */
    @Test
    void theTargetSendsCommandsWithoutAskingToTheSource() throws IOException {
        source.write("SET", "{m}k", "source");
        start();
        target.asking = false;
        Reply moved = new Reply.Error(ErrorCodes.MOVEDGROUP, SLOT + " " + SOURCE);
        assertThat(target.read("GET", "{m}k")).isEqualTo(moved);
        assertThat(target.write("SET", "{m}k", "forked")).isEqualTo(moved);
        assertThat(target.read("DBSIZE")).isEqualTo(new Reply.Int(0)); // nothing created
        target.asking = true;
        assertThat(target.write("SET", "{m}fresh", "1")).isEqualTo(Reply.OK); // after the source's ASK: served
        copyOnce();
        finish();
        target.asking = false; // the target owns the slot now
        assertThat(text(target.read("GET", "{m}k"))).isEqualTo("source");
        assertThat(text(target.read("GET", "{m}fresh"))).isEqualTo("1");
    }

    @Test
    void aKeyWrittenAfterItsCopyStaysInTheSourceAndIsCopiedAgain() throws IOException {
        source.write("SET", "{m}k", "old");
        start();
        List<KeyEntry> copied = source.scan(RANGE);
        stage(copied);
        source.write("SET", "{m}k", "new");
        assertThat(release(copied)).containsExactly(MoveStep.KEPT);
        target.step(new MoveStep.Promote(SOURCE, List.of(), List.of()));
        assertThat(text(source.read("GET", "{m}k"))).isEqualTo("new");
        assertThat(code(target.read("GET", "{m}k"))).isEqualTo(ErrorCodes.TRYAGAIN); // its old copy is staged

        copyOnce();
        finish();
        assertThat(text(target.read("GET", "{m}k"))).isEqualTo("new");
    }

    @Test
    void aStagedKeyIsRetriedUntilPromotedAndTheRefusalDoesNotUseTheSequenceNumber() throws IOException {
        source.write("SET", "{m}k", "1");
        start();
        List<KeyEntry> copied = source.scan(RANGE);
        stage(copied);
        assertThat(release(copied)).containsExactly(MoveStep.RELEASED);
        assertThat(source.read("GET", "{m}k")).isEqualTo(new Reply.Error(ErrorCodes.ASKGROUP, SLOT + " " + TARGET));

        long sequence = ++target.sequence;
        assertThat(code(target.writeAs(sequence, "INCR", "{m}k"))).isEqualTo(ErrorCodes.TRYAGAIN);
        target.step(new MoveStep.Promote(SOURCE, List.of(b("{m}k")), List.of()));
        assertThat(target.writeAs(sequence, "INCR", "{m}k")).isEqualTo(new Reply.Int(2)); // the same write, now applied
    }

    @Test
    void aKeyDeletedAfterItsCopyIsDroppedNotRevived() throws IOException {
        source.write("SET", "{m}k", "1");
        start();
        List<KeyEntry> copied = source.scan(RANGE);
        stage(copied);
        source.write("DEL", "{m}k");
        assertThat(release(copied)).containsExactly(MoveStep.ABSENT);
        target.step(new MoveStep.Promote(SOURCE, List.of(), List.of(b("{m}k"))));
        assertThat(target.read("GET", "{m}k")).isEqualTo(Reply.NIL);
        finish();
        assertThat(target.read("DBSIZE")).isEqualTo(new Reply.Int(0));
    }

    @Test
    void retriedAndLateStepsChangeNothing() throws IOException {
        source.write("SET", "{m}k", "1");
        start();
        start(); // the mover started again
        List<KeyEntry> copied = source.scan(RANGE);
        stage(copied);
        assertThat(release(copied)).containsExactly(MoveStep.RELEASED);
        assertThat(release(copied)).containsExactly(MoveStep.RELEASED); // retried: still released, not "absent"
        MoveStep.Promote promote = new MoveStep.Promote(SOURCE, List.of(b("{m}k")), List.of());
        target.step(promote);
        assertThat(target.write("DEL", "{m}k")).isEqualTo(new Reply.Int(1));
        stage(copied); // a copy proposed earlier, committed late
        target.step(promote);
        assertThat(target.read("GET", "{m}k")).isEqualTo(Reply.NIL);
        assertThat(target.write("SET", "{m}k", "2")).isEqualTo(Reply.OK); // not staged: served
    }

    @Test
    void theSourceRefusesToHandOverWhileItHoldsAKeyOfTheRange() throws IOException {
        source.write("SET", "{m}k", "1");
        start();
        Reply refused = source.step(new MoveStep.Handover(RANGE, TARGET));
        assertThat(code(refused)).isEqualTo(ErrorCodes.ERR);
        assertThat(((Reply.Error) refused).message()).contains("still hold 1 keys");
        assertThat(text(source.read("GET", "{m}k"))).isEqualTo("1");
        copyOnce();
        finish();
        assertThat(text(target.read("GET", "{m}k"))).isEqualTo("1");
    }

    @Test
    void aTransactionTouchingAKeyThatMovedIsSentOnWhole() {
        source.write("SET", "{m}a", "1");
        start();
        Reply exec = source.apply(new KvEntry.SessionCommand(T0, source.client, ++source.sequence, new KvEntry.Exec(
                List.of(), List.of(argv("INCR", "{m}a"), argv("SET", "{m}b", "1")))));
        assertThat(code(exec)).isEqualTo(ErrorCodes.TRYAGAIN);
        assertThat(text(source.read("GET", "{m}a"))).isEqualTo("1");
    }

    @Test
    void theWholeStateFingerprintTellsASlotsStateAndPeerApart() {
        Group migratingToTarget = new Group(false);
        migratingToTarget.step(new MoveStep.Migrate(RANGE, TARGET));
        Group migratingElsewhere = new Group(false);
        migratingElsewhere.step(new MoveStep.Migrate(RANGE, 9));
        Group importingFromTarget = new Group(false);
        importingFromTarget.step(new MoveStep.Import(RANGE, TARGET));

        // The replicas differ only in the slot's state, its peer, or having none (the applied index is not hashed).
        assertThat(List.of(migratingToTarget, migratingElsewhere, importingFromTarget, new Group(false)))
                .extracting(group -> group.machine.wholeStateFingerprint()).doesNotHaveDuplicates();
    }

    @Test
    void aSnapshotTakenMidMoveRestoresTheMove() throws IOException {
        source.write("SET", "{m}k", "1");
        source.write("SET", "{m}j", "2");
        start();
        List<KeyEntry> copied = source.scan(RANGE);
        stage(copied);
        assertThat(release(copied.subList(0, 1))).containsExactly(MoveStep.RELEASED);
        String releasedKey = new String(copied.getFirst().key(), StandardCharsets.UTF_8);

        Group restoredSource = restoredCopyOf(source);
        Group restoredTarget = restoredCopyOf(target);
        assertThat(restoredSource.machine.wholeStateFingerprint()).isEqualTo(source.machine.wholeStateFingerprint());
        assertThat(restoredSource.read("GET", releasedKey))
                .isEqualTo(new Reply.Error(ErrorCodes.ASKGROUP, SLOT + " " + TARGET));
        assertThat(code(restoredTarget.read("GET", releasedKey))).isEqualTo(ErrorCodes.TRYAGAIN);
        assertThat(((Reply.Array) restoredSource.step(new MoveStep.Release(TARGET, List.of(new MoveStep.KeyVersion(
                copied.getFirst().key(), copied.getFirst().modifiedIndex()))))).elements())
                .containsExactly(new Reply.Int(MoveStep.RELEASED)); // the released set came along
        restoredTarget.step(new MoveStep.Promote(SOURCE, List.of(copied.getFirst().key()), List.of()));
        assertThat(restoredTarget.read("GET", releasedKey)).isInstanceOf(Reply.Bulk.class);
    }

    private static Group restoredCopyOf(Group group) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (StateMachine.Snapshot snapshot = group.machine.snapshot(group.index)) {
            snapshot.writeTo(out);
        }
        Group copy = new Group(group.asking);
        copy.machine.restore(group.index, new ByteArrayInputStream(out.toByteArray()));
        copy.index = group.index;
        copy.client = group.client;
        copy.sequence = group.sequence;
        return copy;
    }

    @Test
    void aBatchStopsAtAboutHalfAMebibyteSoItsStageFitsInOneEntry() throws IOException {
        String value = "x".repeat(200_000);
        for (int i = 0; i < 6; i++) {
            source.write("SET", "{m}big" + i, value);
        }
        Reply.Array first = (Reply.Array) EntryCodec.decodeReply(source.machine.query(EntryCodec.encode(
                new KvQuery.MoveScan(T0, RANGE, 0, 100))));
        int keys = KvSnapshotFormat.readKeyBatch(((Reply.Bulk) first.elements().get(1)).value()).size();
        assertThat(keys).isBetween(1, 5); // the table's buckets are walked whole, so a step may pass the budget a little
        assertThat(((Reply.Int) first.elements().get(0)).value()).isNotZero();
        assertThat(source.scan(RANGE)).hasSize(6);

        List<KeyEntry> all = source.scan(RANGE);
        List<byte[]> parts = MoveStep.split(KvSnapshotFormat.writeKeyBatch(all), 450_000);
        assertThat(parts).hasSize(3); // two 200 KB values a part
        long inParts = 0;
        for (byte[] part : parts) {
            assertThat(part.length).isLessThan(450_000);
            inParts += KvSnapshotFormat.readKeyBatch(part).size();
        }
        assertThat(inParts).isEqualTo(6);
    }

    /**
     * Two movers overlap when the metadata leadership changes and the deposed leader has not noticed yet (paused right
     * after it scanned, say). The old one copied {k@v1}; k changed to v2; the new one staged and released k@v2; the
     * old one's stage of v1 then comes in before the new one's promote. Were it staged over v2, the promote would serve
     * v1 and lose the write of v2.
     */
    @Test
    void aDeposedLeadersMoverIsFencedOffAndALateCopyNeverReplacesANewerOne() throws IOException {
        source.write("SET", "{m}k", "1");
        target.stepOf(1, new MoveStep.Import(RANGE, SOURCE));
        source.stepOf(1, new MoveStep.Migrate(RANGE, TARGET));
        List<KeyEntry> oldCopy = source.scan(RANGE); // the old mover's scan; then its node pauses
        source.write("SET", "{m}k", "2");

        assertThat(target.stepOf(2, new MoveStep.Import(RANGE, SOURCE))).isEqualTo(Reply.OK); // the next leader's
        assertThat(source.stepOf(2, new MoveStep.Migrate(RANGE, TARGET))).isEqualTo(Reply.OK);
        List<KeyEntry> newCopy = source.scan(RANGE);
        target.stepOf(2, new MoveStep.Stage(SOURCE, KvSnapshotFormat.writeKeyBatch(newCopy)));
        Reply.Array released = (Reply.Array) source.stepOf(2, new MoveStep.Release(TARGET, List.of(
                new MoveStep.KeyVersion(newCopy.getFirst().key(), newCopy.getFirst().modifiedIndex()))));
        assertThat(released.elements()).containsExactly(new Reply.Int(MoveStep.RELEASED));

        Reply fenced = target.stepOf(1, new MoveStep.Stage(SOURCE, KvSnapshotFormat.writeKeyBatch(oldCopy)));
        assertThat(((Reply.Error) fenced).message()).contains("term 1 is fenced off", "term 2");
        assertThat(code(source.stepOf(1, new MoveStep.Handover(RANGE, TARGET)))).isEqualTo(ErrorCodes.ERR);
        // Unfenced (a step written before movers were fenced), the old copy is still never staged over the newer one.
        assertThat(target.stepOf(2, new MoveStep.Stage(SOURCE, KvSnapshotFormat.writeKeyBatch(oldCopy))))
                .isEqualTo(new Reply.Int(0));

        target.stepOf(2, new MoveStep.Promote(SOURCE, List.of(b("{m}k")), List.of()));
        assertThat(text(target.read("GET", "{m}k"))).isEqualTo("2");
        // The fence survives a snapshot: a restored replica refuses the old mover alike.
        assertThat(code(restoredCopyOf(target).stepOf(1, new MoveStep.Own(RANGE, SOURCE)))).isEqualTo(ErrorCodes.ERR);
    }

    /** A deposed leader's mover that still sees the move in its old map cannot start it again once it is finished. */
    @Test
    void aFencedMoverCannotStartAFinishedMoveAgain() throws IOException {
        source.write("SET", "{m}k", "1");
        source.moverTerm = 3;
        target.moverTerm = 3;
        start();
        copyOnce();
        finish();
        assertThat(code(target.stepOf(2, new MoveStep.Import(RANGE, SOURCE)))).isEqualTo(ErrorCodes.ERR);
        assertThat(code(source.stepOf(2, new MoveStep.Migrate(RANGE, TARGET)))).isEqualTo(ErrorCodes.ERR);
        target.asking = false;
        assertThat(text(target.read("GET", "{m}k"))).isEqualTo("1"); // still the owner, serving without ASKING
    }

    /**
     * A key whose copy is larger than one entry may carry (a hash grown by many HSETs) is staged in parts: without
     * them, its stage was refused as too large and the move started again for ever.
     */
    @Test
    void aKeyTooLargeForOneStageIsCopiedInPartsRetriedAndSnapshottedOnTheWay() throws IOException {
        for (int i = 0; i < 200; i++) {
            source.write("HSET", "{m}big", "field" + i, "value-" + i);
        }
        start();
        KeyEntry big = source.scan(RANGE).getFirst();
        byte[] batch = KvSnapshotFormat.writeKeyBatch(List.of(big));
        MoveStep.KeyVersion version = new MoveStep.KeyVersion(big.key(), big.modifiedIndex());
        List<MoveStep.StagePart> parts = MoveStep.parts(SOURCE, version, batch, 500);
        assertThat(parts).hasSizeGreaterThan(4);

        assertThat(target.step(parts.get(0))).isEqualTo(Reply.OK);
        assertThat(target.step(parts.get(0))).isEqualTo(Reply.OK); // the first again: the copy starts again
        assertThat(code(target.step(parts.get(2)))).isEqualTo(ErrorCodes.ERR); // a gap: refused
        assertThat(target.step(parts.get(1))).isEqualTo(Reply.OK);
        assertThat(target.step(parts.get(1))).isEqualTo(Reply.OK); // retried: changes nothing
        Group restored = restoredCopyOf(target); // the parts so far travel in the snapshot
        for (Group replica : List.of(target, restored)) {
            for (MoveStep.StagePart part : parts.subList(2, parts.size() - 1)) {
                assertThat(replica.step(part)).isEqualTo(Reply.OK);
            }
            assertThat(replica.step(parts.getLast())).isEqualTo(new Reply.Int(1));
            assertThat(replica.step(parts.getLast())).isEqualTo(new Reply.Int(0)); // retried: staged already
            assertThat(code(replica.read("HGET", "{m}big", "field7"))).isEqualTo(ErrorCodes.TRYAGAIN); // staged
        }
        assertThat(restored.machine.wholeStateFingerprint()).isEqualTo(target.machine.wholeStateFingerprint());

        assertThat(release(List.of(big))).containsExactly(MoveStep.RELEASED);
        target.step(new MoveStep.Promote(SOURCE, List.of(big.key()), List.of()));
        finish();
        target.asking = false;
        assertThat(target.read("HLEN", "{m}big")).isEqualTo(new Reply.Int(200));
        assertThat(text(target.read("HGET", "{m}big", "field199"))).isEqualTo("value-199");
    }

    /** Parts of a copy the mover abandoned are dropped when the target owns the range, and never staged. */
    @Test
    void theTargetDropsAnAbandonedCopyInPartsWhenItOwnsTheRange() throws IOException {
        source.write("SET", "{m}k", "x".repeat(3000));
        start();
        KeyEntry key = source.scan(RANGE).getFirst();
        List<MoveStep.StagePart> parts = MoveStep.parts(SOURCE, new MoveStep.KeyVersion(key.key(),
                key.modifiedIndex()), KvSnapshotFormat.writeKeyBatch(List.of(key)), 1000);
        target.step(parts.getFirst()); // the mover stops here; the client then deletes the key in the source
        assertThat(source.write("DEL", "{m}k")).isEqualTo(new Reply.Int(1));
        finish();
        assertThat(code(target.step(parts.get(1)))).isEqualTo(ErrorCodes.ERR); // not importing: nothing assembled
        assertThat(target.machine.wholeStateFingerprint()).isEqualTo(restoredCopyOf(target).machine
                .wholeStateFingerprint());
        target.asking = false;
        assertThat(target.read("DBSIZE")).isEqualTo(new Reply.Int(0));
    }

    @Test
    void stepsRoundTripThroughTheLogAndDamagedOnesAreRefused() {
        List<MoveStep> steps = List.of(new MoveStep.Migrate(RANGE, 7), new MoveStep.Import(SlotRange.of(0, 99), 2),
                new MoveStep.Stage(2, KvSnapshotFormat.writeKeyBatch(List.of())),
                new MoveStep.Release(3, List.of(new MoveStep.KeyVersion(b("k"), 42))),
                new MoveStep.Promote(2, List.of(b("a")), List.of(b("b"))), new MoveStep.Handover(RANGE, 3),
                new MoveStep.Own(RANGE, 2), new MoveStep.Forget(RANGE, 3),
                new MoveStep.StagePart(2, b("k"), 42, 3, 10, new byte[] {1, 2}));
        for (MoveStep step : steps) {
            byte[] encoded = EntryCodec.encode(new KvEntry.Move(T0, step, 300));
            KvEntry.Move decoded = (KvEntry.Move) EntryCodec.decodeEntry(encoded);
            assertThat(MoveStep.encode(decoded.step())).isEqualTo(MoveStep.encode(step));
            assertThat(decoded.mover()).isEqualTo(300);
            assertThat(((KvEntry.Move) EntryCodec.decodeEntry(EntryCodec.encode(new KvEntry.Move(T0, step)))).mover())
                    .isZero(); // the form written before movers were fenced
            for (int cut = 1; cut < encoded.length; cut++) {
                byte[] shorter = Arrays.copyOf(encoded, cut);
                assertThatThrownBy(() -> EntryCodec.decodeEntry(shorter))
                        .isInstanceOf(EntryCodec.MalformedException.class);
            }
        }
        assertThatThrownBy(() -> MoveStep.decode(new byte[] {99})).hasMessageContaining("unknown slot move step 99");
        KvStateMachine machine = new KvStateMachine(10);
        byte[] damaged = EntryCodec.encode(new KvEntry.Move(T0, new MoveStep.Stage(2, new byte[] {1, 2, 3})));
        assertThat(code(EntryCodec.decodeReply(machine.apply(1, damaged)))).isEqualTo(ErrorCodes.ERR);
    }
}

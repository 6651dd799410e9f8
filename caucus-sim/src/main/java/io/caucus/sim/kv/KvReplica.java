package io.caucus.sim.kv;

import io.caucus.core.LogEntry;
import io.caucus.kv.command.Reply;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvQuery;
import io.caucus.kv.state.KvStateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated node's key-value state: caucus-kv's {@link KvStateMachine}, the state machine a real node runs,
 * fed the committed entries the way the runtime's applier feeds it (commands to the state machine; no-op and
 * configuration entries only move the applied index). It checks the contract it relies on: entries arrive in index
 * order with no gap.
 */
public final class KvReplica {

    /** Far above the sessions one simulated run opens, so no session is evicted under a client. */
    private static final int MAX_SESSIONS = 10_000;

    private final KvStateMachine machine = new KvStateMachine(MAX_SESSIONS);
    private long appliedIndex;

    public long appliedIndex() {
        return appliedIndex;
    }

    /** The state machine itself, for a node runtime to apply to (then report each entry with {@link #applied}). */
    public KvStateMachine machine() {
        return machine;
    }

    /**
     * Records that the node runtime's applier applied {@code entry} to {@link #machine()}, with {@code result}
     * (the state machine's reply for a command); returns that reply, {@code null} for no-op and configuration
     * entries.
     *
     * @throws IllegalStateException if the entry is not the one after the applied index
     */
    public Reply applied(LogEntry entry, byte[] result) {
        checkNext(entry);
        appliedIndex = entry.index();
        return entry.type() == io.caucus.core.EntryType.COMMAND ? EntryCodec.decodeReply(result) : null;
    }

    /**
     * Records that the node runtime loaded a snapshot at {@code index} into {@link #machine()} (at a start, or at
     * the core's request); entries after it follow.
     */
    public void restoredTo(long index) {
        if (index > 0) {
            appliedIndex = index;
        }
    }

    private void checkNext(LogEntry entry) {
        if (entry.index() != appliedIndex + 1) {
            throw new IllegalStateException("entry " + entry + " applied after index " + appliedIndex
                    + ": committed entries must be applied in order without gaps");
        }
    }

    /**
     * Applies one committed entry and returns the state machine's reply; {@code null} for no-op and configuration
     * entries.
     *
     * @throws IllegalStateException if the entry is not the one after the applied index
     */
    public Reply apply(LogEntry entry) {
        checkNext(entry);
        appliedIndex = entry.index();
        return switch (entry.type()) {
            case COMMAND -> EntryCodec.decodeReply(machine.apply(entry.index(), entry.payload()));
            case NO_OP, CONFIGURATION -> null;
        };
    }

    /**
     * Whether two encoded entries are the same but for the time stamped on them: a runtime stamps what it takes
     * ({@code TimeStamper}), so the entry in its log carries the node's time, not the submitter's.
     */
    public static boolean sameButStamp(byte[] entry, byte[] other) {
        return entry.length == other.length
                && java.util.Arrays.equals(EntryCodec.stamp(entry, 0), EntryCodec.stamp(other, 0));
    }

    /** A read served from this replica at {@code timeMillis} (the leader's stamp on it). */
    public Reply query(long timeMillis, List<String> argv) {
        return EntryCodec.decodeReply(machine.query(EntryCodec.encode(new KvQuery.Call(timeMillis, bytes(argv)))));
    }

    /** A key's value at the replica's own time (the last applied entry's), {@code null} if absent or not a string. */
    public String get(String key) {
        return query(0, List.of("GET", key)) instanceof Reply.Bulk bulk
                ? new String(bulk.value(), StandardCharsets.UTF_8) : null;
    }

    /** The earliest time at which some key expires, {@link Long#MAX_VALUE} if none. */
    public long nextExpiryMillis() {
        return machine.nextExpiryMillis();
    }

    /** A fingerprint of the whole state, equal on replicas that applied the same entries (see {@link KvSnapshot}). */
    public String fingerprint() {
        return machine.wholeStateFingerprint();
    }

    /** The state as of the applied index, in the service's snapshot format. */
    public KvSnapshot snapshot() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var snapshot = machine.snapshot(appliedIndex)) {
            snapshot.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new KvSnapshot(appliedIndex, out.toByteArray());
    }

    /** Replaces the whole state with {@code snapshot}'s; entries after its index follow. */
    public void restore(KvSnapshot snapshot) {
        try {
            machine.restore(snapshot.appliedIndex(), new ByteArrayInputStream(snapshot.data()));
        } catch (IOException e) {
            throw new IllegalStateException("snapshot at " + snapshot.appliedIndex() + " does not load: " + e, e);
        }
        appliedIndex = snapshot.appliedIndex();
    }

    static List<byte[]> bytes(List<String> argv) {
        List<byte[]> out = new ArrayList<>(argv.size());
        for (String arg : argv) {
            out.add(arg.getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }
}

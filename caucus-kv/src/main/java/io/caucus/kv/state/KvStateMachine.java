package io.caucus.kv.state;

import io.caucus.kv.command.CommandContext;
import io.caucus.kv.command.CommandSpec;
import io.caucus.kv.command.CommandTable;
import io.caucus.kv.command.Reply;
import io.caucus.kv.command.ErrorCodes;
import io.caucus.kv.slots.CommandKeys;
import io.caucus.kv.slots.KeySlot;
import io.caucus.server.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Locale;

/**
 * The replicated key-value state: the {@link Keyspace}, the {@link ScriptCache} and the client session table.
 * Deterministic: the same entries in the same order give the same state and replies on every replica. Time comes
 * from the log (each entry's stamp, never earlier than the entry before's) and randomness from the log index.
 *
 * <p>Synchronized because the runtime may answer queries on another thread than the one that applies.
 *
 * <p>Snapshots ({@link KvSnapshotFormat}) hold the keys, the session table, the time, the WATCH memory and the
 * script cache: the keyspace is frozen copy-on-write ({@link Keyspace#freeze()}), so writing a snapshot of any size
 * costs the apply path O(1) plus a copy of the (bounded) session table, deletion memory and script list.
 */
public final class KvStateMachine implements StateMachine {

    public static final int DEFAULT_MAX_SESSIONS = 10_000;
    /** A slot move's batch, at most about (see {@link KvQuery.MoveScan}): half the runtime's largest command. */
    static final long MOVE_BATCH_BYTES = 512 << 10;

    private final Keyspace keyspace = new Keyspace();
    private final ScriptCache scripts = new ScriptCache();
    private final SessionTable sessions;
    private final SlotMoves moves = new SlotMoves();
    private long appliedIndex;
    /** The time of the last entry applied: entries run at max(their stamp, this). */
    private long timeMillis;
    /** Reads answered, to seed each read's random choices differently (reads are not replicated). */
    private long reads;

    public KvStateMachine(int maxSessions) {
        this.sessions = new SessionTable(maxSessions);
    }

    @Override
    public synchronized byte[] apply(long index, byte[] command) {
        if (index <= appliedIndex) {
            throw new IllegalStateException("apply index " + index + " is not after " + appliedIndex);
        }
        appliedIndex = index;
        KvEntry entry;
        try {
            entry = EntryCodec.decodeEntry(command);
        } catch (EntryCodec.MalformedException e) {
            // Every replica sees the same bytes and answers the same: the entry is skipped, not fatal.
            return EntryCodec.encode(Reply.error("malformed command: " + e.getMessage()));
        }
        timeMillis = Math.max(timeMillis, entry.timeMillis());
        return switch (entry) {
            case KvEntry.Register ignored -> {
                sessions.open(index);
                yield EntryCodec.encode(new Reply.Int(index));
            }
            case KvEntry.SessionCommand sessionCommand -> applyInSession(index, sessionCommand);
            case KvEntry.Sweep sweep -> EntryCodec.encode(new Reply.Int(keyspace.sweep(timeMillis, sweep.maxKeys(),
                    index)));
            case KvEntry.Move move -> EntryCodec.encode(moves.apply(move.step(), move.mover(), keyspace, timeMillis,
                    index));
        };
    }

    /**
     * At most once per (client, sequence), thesis §6.3; and in sequence order: a session's commands apply
     * strictly as 1, 2, 3..., so a pipelined write retried after a leader change can never land after a later
     * write of the same connection. Invariant: every sequence up to lastSequence was applied, none after it.
     */
    private byte[] applyInSession(long index, KvEntry.SessionCommand command) {
        SessionTable.Session session = sessions.touch(command.clientId());
        if (session == null) {
            return refusal(ErrorCodes.SESSIONEXPIRED, "client session " + command.clientId()
                    + " is unknown or expired; this write's outcome is unknown, reconnect");
        }
        if (command.sequence() == session.lastSequence()) {
            return session.lastResult();
        }
        if (command.sequence() < session.lastSequence()) {
            return refusal(ErrorCodes.UNKNOWN, "write " + command.sequence() + " of session "
                    + command.clientId() + " was applied before write " + session.lastSequence()
                    + " but its result is no longer kept");
        }
        if (command.sequence() > session.lastSequence() + 1) {
            return refusal(ErrorCodes.OUTOFORDER, "write " + command.sequence() + " of session "
                    + command.clientId() + " arrived before write " + (session.lastSequence() + 1)
                    + "; not applied");
        }
        Reply.Error movedAway = moves.refusal(keysOf(command.body()), command.asking(), keyspace, timeMillis);
        if (movedAway != null && movedAway.code().equals(ErrorCodes.TRYAGAIN)) {
            return EntryCodec.encode(movedAway); // not applied, and the sequence not used: the node retries it
        }
        byte[] reply = EntryCodec.encode(movedAway != null ? movedAway : execute(index, command.body()));
        sessions.record(command.clientId(), command.sequence(), reply);
        return reply;
    }

    /** The keys a command (or a transaction's commands) names, for the slot move rules; none while no move runs. */
    private List<byte[]> keysOf(KvEntry.Body body) {
        if (moves.idle()) {
            return List.of();
        }
        return switch (body) {
            case KvEntry.Call call -> keysOf(call.argv());
            case KvEntry.Exec exec -> {
                List<byte[]> keys = new ArrayList<>();
                exec.commands().forEach(argv -> keys.addAll(keysOf(argv)));
                yield keys;
            }
        };
    }

    private static List<byte[]> keysOf(List<byte[]> argv) {
        CommandSpec spec = CommandTable.resolve(argv);
        return spec == null ? List.of() : CommandKeys.of(spec, argv);
    }

    private static byte[] refusal(String code, String message) {
        return EntryCodec.encode(new Reply.Error(code, message));
    }

    private Reply execute(long index, KvEntry.Body body) {
        CommandContext context = new CommandContext(keyspace, scripts, timeMillis, index, true);
        return switch (body) {
            case KvEntry.Call call -> run(context, call.argv());
            case KvEntry.Exec exec -> {
                for (KvEntry.Watch watch : exec.watches()) {
                    if (keyspace.changedSince(watch.key(), watch.index())) {
                        yield Reply.NULL_ARRAY;
                    }
                }
                List<Reply> replies = new ArrayList<>(exec.commands().size());
                for (List<byte[]> argv : exec.commands()) {
                    replies.add(run(context, argv));
                }
                yield new Reply.Array(replies);
            }
        };
    }

    /** Runs a command in the log: data commands and the pure connection ones (PING, ECHO), nothing else. */
    private static Reply run(CommandContext context, List<byte[]> argv) {
        CommandSpec spec = CommandTable.accepted(argv);
        if (spec == null) {
            return CommandTable.refusal(argv);
        }
        if (spec.handler() == null) {
            return Reply.error("'" + spec.name().toLowerCase(Locale.ROOT) + "' cannot be replicated");
        }
        return CommandTable.run(context, spec, argv);
    }

    @Override
    public synchronized byte[] query(byte[] query) {
        KvQuery decoded;
        try {
            decoded = EntryCodec.decodeQuery(query);
        } catch (EntryCodec.MalformedException e) {
            return EntryCodec.encode(Reply.error("malformed query: " + e.getMessage()));
        }
        long now = Math.max(timeMillis, decoded.timeMillis());
        Reply reply = switch (decoded) {
            case KvQuery.WatchIndex ignored -> new Reply.Int(appliedIndex);
            case KvQuery.Call call -> {
                CommandSpec spec = CommandTable.resolve(call.argv());
                Reply.Error movedAway = spec == null || moves.idle() ? null
                        : moves.refusal(keysOf(call.argv()), call.asking(), keyspace, now);
                yield spec != null && spec.isWrite()
                        ? Reply.error("'" + spec.name().toLowerCase(Locale.ROOT) + "' changes data: not a read")
                        : movedAway != null ? movedAway
                        : CommandTable.execute(new CommandContext(keyspace, scripts, now, appliedIndex, false,
                                appliedIndex ^ Long.rotateLeft(++reads, 32)), call.argv());
            }
            case KvQuery.MoveScan scan -> moveScan(scan, now);
        };
        return EntryCodec.encode(reply);
    }

    /**
     * Live keys of the scan's range from its cursor on, up to its count or {@link #MOVE_BATCH_BYTES} (whichever
     * comes first; at least one SCAN step's worth): [next cursor, key batch]. The mover stages the batch in entries
     * well under the runtime's largest command (1 MiB), a key larger than that in parts ({@link MoveStep.StagePart}).
     */
    private Reply moveScan(KvQuery.MoveScan scan, long now) {
        List<KeyEntry> found = new ArrayList<>();
        long[] bytes = {0};
        long cursor = scan.cursor();
        do {
            cursor = keyspace.scan(cursor, now, entry -> {
                if (scan.range().contains(KeySlot.of(entry.key()))) {
                    found.add(entry);
                    bytes[0] += KvSnapshotFormat.encodedSize(entry);
                }
            });
        } while (cursor != 0 && found.size() < scan.maxKeys() && bytes[0] < MOVE_BATCH_BYTES);
        return new Reply.Array(List.of(new Reply.Int(cursor), new Reply.Bulk(KvSnapshotFormat.writeKeyBatch(found))));
    }

    /** The earliest time at which a key expires, for the leader's sweep ({@link Long#MAX_VALUE}: none). */
    public synchronized long nextExpiryMillis() {
        return keyspace.nextExpiryMillis();
    }

    @Override
    public synchronized Snapshot snapshot(long appliedIndex) {
        if (appliedIndex < this.appliedIndex) {
            throw new IllegalArgumentException("snapshot asked as of index " + appliedIndex
                    + " but commands are applied up to " + this.appliedIndex);
        }
        Keyspace.Frozen frozen = keyspace.freeze();
        SlotMoves.Saved movesNow = moves.save();
        List<KvSnapshotFormat.SessionEntry> sessionsNow = sessions.entries();
        List<byte[]> scriptsNow = scripts.bodies(); // bounded (ScriptCache.MAX_SCRIPTS); the bodies never change
        long timeNow = timeMillis;
        return new Snapshot() {
            @Override
            public void writeTo(OutputStream out) throws IOException {
                KvSnapshotFormat.write(out, new KvSnapshotFormat.Header(appliedIndex, timeNow), sessionsNow,
                        frozen.watch(), scriptsNow, frozen.keys(), movesNow);
            }

            @Override
            public void close() {
                synchronized (KvStateMachine.this) {
                    keyspace.thaw(frozen.freeze());
                }
            }
        };
    }

    @Override
    public void restore(long lastIncludedIndex, InputStream data) throws IOException {
        KvSnapshotFormat.Contents contents = KvSnapshotFormat.read(data); // outside the lock: may take long
        if (contents.header().appliedIndex() != lastIncludedIndex) {
            throw new IOException("key-value snapshot was taken at index " + contents.header().appliedIndex()
                    + " but is installed as the snapshot at index " + lastIncludedIndex);
        }
        synchronized (this) {
            keyspace.replace(contents.keys(), contents.watch());
            sessions.replace(contents.sessions());
            scripts.replace(contents.scripts());
            moves.restore(contents.moves());
            appliedIndex = lastIncludedIndex;
            timeMillis = contents.header().timeMillis();
        }
    }

    /** A fingerprint of the keys (sessions excluded) at the current applied index; see {@link StateDigest}. */
    public synchronized StateDigest digest() {
        return StateDigest.of(appliedIndex, keyspace);
    }

    /**
     * A fingerprint of the whole replicated state (keys, WATCH memory, time, sessions, scripts): equal on replicas
     * that applied the same entries, however their tables were built. For checkers; O(state).
     */
    public synchronized String wholeStateFingerprint() {
        return StateDigest.ofWholeState(appliedIndex, timeMillis, keyspace, sessions.entries(), scripts.bodies(),
                moves.save());
    }

    /**
     * Whether {@code key} is live here at the time of the last entry applied, whatever the slot moves' rules would
     * answer a client (for checkers: a key lives in one group).
     */
    public synchronized boolean holdsLiveKey(byte[] key) {
        return keyspace.lookup(key, timeMillis) != null;
    }

    /**
     * The group this replica's log has handed {@code slot} over to (a slot move's source after its hand-over), if any:
     * a node whose slot map lags behind the move's end routes by it rather than send clients back to the old owner.
     */
    public synchronized OptionalLong handedOverTo(int slot) {
        return moves.stateOf(slot) instanceof SlotMoves.Gone gone ? OptionalLong.of(gone.peer()) : OptionalLong.empty();
    }

    /** Copies staged by slot moves under way, served to no one yet (for checkers: none once no move runs). */
    public synchronized int stagedMoveCopies() {
        return moves.stagedCount();
    }

    /** Names of keys this group released to moves and still keeps (for checkers: none once every move is forgotten). */
    public synchronized int releasedMoveNames() {
        return moves.releasedCount();
    }

    /** The number of cached scripts (for tests and metrics). */
    public synchronized int scriptCount() {
        return scripts.size();
    }

    /** The number of open sessions (for tests and metrics). */
    public synchronized int sessionCount() {
        return sessions.size();
    }

    /**
     * The reply the session table remembers for write {@code sequence} of session {@code clientId}, or {@code null}
     * if that is not the session's last applied write (or the session is gone). For a client that learns from a
     * snapshot, not from the apply, that its write committed.
     */
    public synchronized byte[] rememberedReply(long clientId, long sequence) {
        SessionTable.Session session = sessions.peek(clientId);
        return session != null && session.lastSequence() == sequence ? session.lastResult() : null;
    }

    synchronized boolean hasSession(long clientId) {
        return sessions.contains(clientId);
    }
}

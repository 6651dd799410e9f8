package io.caucus.sim.client;

import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.kv.command.ErrorCodes;
import io.caucus.kv.command.Reply;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.kv.state.KvQuery;
import io.caucus.server.CaucusException;
import io.caucus.server.NotLeaderException;
import io.caucus.sim.NodeObserver;
import io.caucus.sim.SimNode;
import io.caucus.sim.Simulation;
import io.caucus.sim.kv.KvReplica;
import io.caucus.sim.linearizability.HistoryRecorder;
import io.caucus.sim.linearizability.OpKind;
import io.caucus.sim.linearizability.Operation;
import io.caucus.sim.linearizability.Outcome;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Closed-loop Redis clients of a simulated cluster, speaking to the key-value service's real state machine through
 * its real log entries. Each client has one operation in flight at a time, sends it to the node it believes leads,
 * follows leader hints, and records what it learns in a {@link HistoryRecorder} for the linearizability checker.
 *
 * <p>They act as the service's connection handler and cluster backend do: a write runs in a client session
 * (opened by a Register entry; a new one after any write whose outcome was not OK, as its sequence number may be a
 * hole), each entry and read carries the time of the node it is proposed at (one clock for the whole simulation,
 * in milliseconds), and reads are ReadIndex reads served from the state machine at that time, once the node has
 * applied what its log held when the read arrived (as the runtime serves them).
 *
 * <p>The first two keys may expire: they take {@code SET PXAT}, {@code PERSIST} and a two-key transaction
 * ({@code MULTI GET GET SET SET EXEC}); the others are plain registers that take {@code APPEND} (whose effect on a
 * key that may expire the checker cannot pin down). Every key takes GET, SET, DEL and compare-and-set ({@code SET
 * NX}, or the Lua script that lock libraries send).
 *
 * <p>Outcomes follow what a client can know, never more: a write is OK once the node it was accepted by
 * applies its index with the accepted term, FAILED if it was rejected everywhere or a different term's
 * entry was applied at its index, and UNKNOWN if that node crashed or the client's timeout passed first.
 * A read is a ReadIndex: served from the node's state machine once it has applied the confirmed read index;
 * if it cannot be confirmed or served it is FAILED (a read that was not served had no effect).
 *
 * <p>Callbacks from the nodes never drive the cluster directly (that would re-enter a node mid-Ready): every
 * follow-up action is scheduled as a new event.
 */
public final class ClientWorkload implements NodeObserver {

    /** Units of the history's clock (simulated microseconds) per millisecond of the stamped time. */
    public static final long MICROS_PER_MILLI = 1000;

    private static final long NOT_WAITING = -1;
    /** The compare-and-set a Redis client sends as a script: set if the value is the expected one. */
    private static final String CAS_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            + "redis.call('SET', KEYS[1], ARGV[2]) return 1 else return 0 end";
    /** How far ahead a SET PXAT sets the expiry: a few to a few dozen ticks, so keys expire mid-run. */
    private static final int MAX_TIME_TO_LIVE_MILLIS = 40;

    /** How GETs are served. */
    public enum ReadMode {
        /** Linearizable: ReadIndex at the node believed to lead, then read once applied (thesis §6.4). */
        READ_INDEX,
        /**
         * Deliberately broken: read the contacted node's state machine at once, whatever its role. Exists to
         * show that the linearizability check catches stale reads.
         */
        LOCAL_UNSAFE
    }

    private enum Phase { BETWEEN_ATTEMPTS, REGISTERING, WRITE_ACCEPTED, READ_REQUESTED }

    private static final class Pending {
        long handle;
        OpKind kind;
        String key;
        /** The command's argument vector; a transaction's commands. */
        List<List<String>> commands;
        boolean transaction;
        /** The write's sequence number in the client's session, once it has one. */
        long sequence;
        Phase phase = Phase.BETWEEN_ATTEMPTS;
        SimNode node;
        int incarnation;
        long index = NOT_WAITING;
        long term;
        /** The time a read of the state machine runs at without the runtime ({@code LOCAL_UNSAFE}). */
        long readStampMillis;
        /** The entry submitted to a node runtime: its index and term are learned when that node applies it. */
        byte[] payload;
        /** Counts attempts, so that the answer to an abandoned one is ignored. */
        int attempt;
    }

    private static final class Client {
        final int id;
        NodeId target;
        Pending pending;
        long operations;
        /** The session writes run in; 0 while none is open. */
        long sessionId;
        long lastSequence;

        Client(int id, NodeId target) {
            this.id = id;
            this.target = target;
        }
    }

    /** A write acknowledged OK: it must end up in every live node's committed log. */
    public record AcknowledgedWrite(long index, long term, String description) {
    }

    private final Simulation sim;
    private final List<String> keys;
    private final ReadMode readMode;
    private final long timeoutMicros;
    private final long maxThinkMicros;
    private final List<Client> clients = new ArrayList<>();
    private final HistoryRecorder recorder = new HistoryRecorder();
    private final List<AcknowledgedWrite> acknowledged = new ArrayList<>();
    private final ExpirySweeps sweeps;
    private boolean stopped;
    private long ok;
    private long failed;
    private long unknown;
    private long sessionsOpened;

    /**
     * @param clientCount  concurrent clients
     * @param keys         the keys operations touch (few keys make conflicts, which is the point)
     * @param timeoutTicks how long a client waits for one operation before giving up
     */
    public ClientWorkload(Simulation sim, int clientCount, List<String> keys, long timeoutTicks) {
        this(sim, clientCount, keys, timeoutTicks, ReadMode.READ_INDEX);
    }

    public ClientWorkload(Simulation sim, int clientCount, List<String> keys, long timeoutTicks, ReadMode readMode) {
        if (clientCount < 1 || keys.isEmpty() || timeoutTicks < 1) {
            throw new IllegalArgumentException("need at least one client, one key and a positive timeout");
        }
        this.sim = sim;
        this.keys = List.copyOf(keys);
        this.readMode = readMode;
        this.timeoutMicros = timeoutTicks * sim.config().tickMicros();
        this.maxThinkMicros = 3 * sim.config().tickMicros();
        List<NodeId> nodes = sim.nodeIds();
        for (int i = 1; i <= clientCount; i++) {
            clients.add(new Client(i, nodes.get(sim.random().nextInt(nodes.size()))));
        }
        this.sweeps = new ExpirySweeps(sim);
        sim.addObserver(this);
    }

    /** Starts every client's loop of operations, and the leaders' expiry sweeps. */
    public void start() {
        for (Client client : clients) {
            sim.schedule(1 + sim.random().nextLong(maxThinkMicros), () -> issue(client));
        }
        sweeps.start();
    }

    /** Clients issue no new operations; those in flight still complete or time out. Sweeps go on. */
    public void stop() {
        stopped = true;
    }

    public boolean isIdle() {
        for (Client client : clients) {
            if (client.pending != null) {
                return false;
            }
        }
        return true;
    }

    public List<Operation> history() {
        return recorder.history();
    }

    public List<AcknowledgedWrite> acknowledgedWrites() {
        return List.copyOf(acknowledged);
    }

    public long okCount() {
        return ok;
    }

    public long failedCount() {
        return failed;
    }

    public long unknownCount() {
        return unknown;
    }

    /** Client sessions opened (a Register entry applied), at the start and after writes not known OK. */
    public long sessionsOpened() {
        return sessionsOpened;
    }

    /** Sweep entries the leaders proposed. */
    public long sweepsProposed() {
        return sweeps.proposed();
    }

    /** The time a node stamps on what it proposes: the simulation's one clock, in milliseconds. */
    public static long clockMillis(Simulation sim) {
        return sim.nowMicros() / MICROS_PER_MILLI;
    }

    // ---------------------------------------------------------------- issuing

    private void issue(Client client) {
        if (stopped || client.pending != null) {
            return;
        }
        int keyIndex = sim.random().nextInt(keys.size());
        Pending op = keyIndex < 2 ? expiringKeyOperation(keys.get(keyIndex)) : registerOperation(keys.get(keyIndex));
        long n = ++client.operations;
        String value = "c" + client.id + "." + n;
        String expected = null;
        long expiresAt = Operation.NEVER_EXPIRES;
        String secondKey = null;
        switch (op.kind) {
            case GET -> op.commands = List.of(List.of("GET", op.key));
            case DELETE -> op.commands = List.of(List.of("DEL", op.key));
            case PERSIST -> op.commands = List.of(List.of("PERSIST", op.key));
            case APPEND -> {
                value = value + ";";
                op.commands = List.of(List.of("APPEND", op.key, value));
            }
            case PUT -> {
                if (keyIndex < 2 && sim.random().nextBoolean()) {
                    expiresAt = clockMillis(sim) + 1 + sim.random().nextInt(MAX_TIME_TO_LIVE_MILLIS);
                    op.commands = List.of(List.of("SET", op.key, value, "PXAT", Long.toString(expiresAt)));
                } else {
                    op.commands = List.of(List.of("SET", op.key, value));
                }
            }
            case CAS -> {
                expected = casExpectation(op.key);
                op.commands = List.of(expected == null ? List.of("SET", op.key, value, "NX")
                        : List.of("EVAL", CAS_SCRIPT, "1", op.key, expected, value));
            }
            case TXN -> {
                secondKey = keys.get(1 - keyIndex);
                op.transaction = true;
                op.commands = List.of(List.of("GET", op.key), List.of("GET", secondKey),
                        List.of("SET", op.key, value), List.of("SET", secondKey, value));
            }
        }
        String recordedValue = switch (op.kind) {
            case GET, DELETE, PERSIST -> null;
            case PUT, APPEND, CAS, TXN -> value;
        };
        op.handle = op.kind == OpKind.CAS
                ? recorder.invoke(client.id, op.kind, op.key, recordedValue, expected, sim.nowMicros())
                : recorder.invoke(client.id, op.kind, op.key, recordedValue, expiresAt, secondKey, sim.nowMicros());
        client.pending = op;
        sim.note("c" + client.id, "client", "invoke " + op.kind + " " + op.commands);
        long handle = op.handle;
        sim.schedule(timeoutMicros, () -> timeOut(client, handle));
        attempt(client);
    }

    private Pending expiringKeyOperation(String key) {
        Pending op = new Pending();
        op.key = key;
        int roll = sim.random().nextInt(100);
        boolean pair = keys.size() >= 2;
        op.kind = roll < 30 ? OpKind.GET : roll < 55 ? OpKind.PUT : roll < 70 ? OpKind.CAS
                : roll < 80 ? OpKind.PERSIST : roll < 85 || !pair ? OpKind.DELETE : OpKind.TXN;
        return op;
    }

    private Pending registerOperation(String key) {
        Pending op = new Pending();
        op.key = key;
        int roll = sim.random().nextInt(100);
        op.kind = roll < 35 ? OpKind.GET : roll < 60 ? OpKind.PUT : roll < 75 ? OpKind.APPEND
                : roll < 95 ? OpKind.CAS : OpKind.DELETE;
        return op;
    }

    /** A CAS expects a value some node currently holds, or absence, so that swaps sometimes succeed. */
    private String casExpectation(String key) {
        List<NodeId> up = sim.upNodes();
        if (up.isEmpty() || sim.random().nextInt(4) == 0) {
            return null;
        }
        return sim.node(up.get(sim.random().nextInt(up.size()))).stateMachine().get(key);
    }

    private void attempt(Client client) {
        Pending op = client.pending;
        if (op == null || op.phase != Phase.BETWEEN_ATTEMPTS) {
            return;
        }
        SimNode node = sim.node(client.target);
        if (!node.isUp()) {
            retryElsewhere(client, null);
            return;
        }
        op.node = node;
        op.incarnation = node.incarnation();
        if (op.kind == OpKind.GET) {
            if (readMode == ReadMode.LOCAL_UNSAFE) {
                op.readStampMillis = clockMillis(sim);
                completeRead(client, node);
                return;
            }
            op.phase = Phase.READ_REQUESTED;
            readThroughRuntime(client, op, node);
            return;
        }
        boolean registering = client.sessionId == 0;
        if (!registering && op.sequence == 0) {
            op.sequence = ++client.lastSequence;
        }
        // No time, as the service's connection handler sends it: the node stamps its own as it takes the entry.
        KvEntry entry = registering ? new KvEntry.Register(0)
                : new KvEntry.SessionCommand(0, client.sessionId, op.sequence, body(op));
        submitThroughRuntime(client, op, node, registering, EntryCodec.encode(entry));
    }

    /**
     * Submits the entry through the node runtime's request path, as the service's cluster backend does when its
     * node leads ({@code submitHere}): its future completes with the state machine's reply once the entry is
     * applied there with the term it was accepted in; it fails with an outcome known (not the leader, the entry
     * overwritten: try again) or unknown. A write not known to have failed may have taken effect.
     */
    private void submitThroughRuntime(Client client, Pending op, SimNode node, boolean registering, byte[] entry) {
        op.phase = registering ? Phase.REGISTERING : Phase.WRITE_ACCEPTED;
        op.payload = entry;
        op.index = NOT_WAITING;
        int attempt = ++op.attempt;
        node.runtime().submit(entry).whenComplete((result, error) -> {
            if (client.pending != op || op.attempt != attempt) {
                return; // given up on (a crash, a timeout) before the answer came
            }
            if (error == null) {
                Reply reply = EntryCodec.decodeReply(result);
                if (registering) {
                    onRegistered(client, reply instanceof Reply.Int id ? id.value() : 0);
                } else {
                    completeWrite(client, reply);
                }
            } else if (registering || (error instanceof CaucusException known && known.outcomeKnown())) {
                retryElsewhere(client, leaderHint(error)); // an unknown Register at worst leaves a session unused
            } else {
                complete(client, Outcome.UNKNOWN, null, null);
            }
        });
    }

    /**
     * A linearizable read through the runtime (ReadIndex, thesis §6.4), which stamps it with this node's time as it
     * takes it.
     */
    private void readThroughRuntime(Client client, Pending op, SimNode node) {
        int attempt = ++op.attempt;
        byte[] query = EntryCodec.encode(new KvQuery.Call(0, bytes(op.commands.get(0))));
        node.runtime().read(query).whenComplete((result, error) -> {
            if (client.pending != op || op.attempt != attempt) {
                return;
            }
            if (error == null) {
                complete(client, Outcome.OK, text(client, EntryCodec.decodeReply(result)), null);
            } else {
                retryElsewhere(client, leaderHint(error)); // a read not served had no effect
            }
        });
    }

    private static NodeId leaderHint(Throwable error) {
        return error instanceof NotLeaderException notLeader ? notLeader.leader() : null;
    }

    private static KvEntry.Body body(Pending op) {
        if (op.transaction) {
            List<List<byte[]>> commands = new ArrayList<>();
            for (List<String> command : op.commands) {
                commands.add(bytes(command));
            }
            return new KvEntry.Exec(List.of(), commands);
        }
        return new KvEntry.Call(bytes(op.commands.get(0)));
    }

    private static List<byte[]> bytes(List<String> argv) {
        return argv.stream().map(arg -> arg.getBytes(StandardCharsets.UTF_8)).toList();
    }

    private void retryElsewhere(Client client, NodeId hint) {
        Pending op = client.pending;
        op.phase = Phase.BETWEEN_ATTEMPTS;
        op.node = null;
        if (hint != null && !hint.equals(client.target)) {
            client.target = hint;
        } else {
            List<NodeId> nodes = sim.nodeIds();
            client.target = nodes.get(sim.random().nextInt(nodes.size()));
        }
        // Without a hint nobody may be leading yet: back off a little longer than with one.
        long backoffMicros = (hint == null ? 3 : 1) * sim.config().tickMicros();
        sim.schedule(1 + sim.random().nextLong(backoffMicros), () -> attempt(client));
    }

    // ---------------------------------------------------------------- learning outcomes

    @Override
    public void onApplied(SimNode node, LogEntry entry, Reply reply) {
        for (Client client : clients) {
            Pending op = client.pending;
            if (op != null && op.node == node && op.incarnation == node.incarnation()) {
                learnIndex(op, entry);
            }
        }
    }

    /**
     * A write submitted to a runtime learns where it landed when its node applies it (before its future completes:
     * the applier completes proposals after applying their batch), for the check that acknowledged writes reach
     * every node's committed log.
     */
    private static void learnIndex(Pending op, LogEntry entry) {
        boolean submitted = op.phase == Phase.REGISTERING || op.phase == Phase.WRITE_ACCEPTED;
        if (submitted && op.index == NOT_WAITING && KvReplica.sameButStamp(entry.payload(), op.payload)) {
            op.index = entry.index();
            op.term = entry.term();
        }
    }

    /** The client's Register entry committed ({@code sessionId} its index) or was replaced (0): go on writing. */
    private void onRegistered(Client client, long sessionId) {
        Pending op = client.pending;
        op.phase = Phase.BETWEEN_ATTEMPTS;
        if (sessionId != 0) {
            client.sessionId = sessionId;
            client.lastSequence = 0;
            sessionsOpened++;
        }
        sim.schedule(1, () -> attempt(client));
    }

    @Override
    public void onCrashed(SimNode node) {
        for (Client client : clients) {
            Pending op = client.pending;
            if (op != null && op.node == node) {
                switch (op.phase) {
                    case WRITE_ACCEPTED -> complete(client, Outcome.UNKNOWN, null, null);
                    case REGISTERING, READ_REQUESTED -> retryElsewhere(client, null);
                    case BETWEEN_ATTEMPTS -> { }
                }
            }
        }
    }

    private void timeOut(Client client, long handle) {
        Pending op = client.pending;
        if (op == null || op.handle != handle) {
            return;
        }
        // Only an accepted write may have taken effect; anything else was never applied.
        complete(client, op.phase == Phase.WRITE_ACCEPTED ? Outcome.UNKNOWN : Outcome.FAILED, null, null);
    }

    private void completeRead(Client client, SimNode node) {
        Pending op = client.pending;
        Reply reply = node.stateMachine().query(op.readStampMillis, op.commands.get(0));
        complete(client, Outcome.OK, text(client, reply), null);
    }

    /** The state machine's reply to an applied write, as the history records it. */
    private void completeWrite(Client client, Reply reply) {
        Pending op = client.pending;
        if (reply instanceof Reply.Error error && ErrorCodes.isSessionRefusal(error.code())) {
            complete(client, ErrorCodes.notApplied(error.code()) ? Outcome.FAILED : Outcome.UNKNOWN, null, null);
            return;
        }
        if (op.index == NOT_WAITING) {
            sim.fail("Harness", "c" + client.id + " " + op.commands + " was acknowledged, but its node was not seen "
                    + "applying it");
        }
        acknowledged.add(new AcknowledgedWrite(op.index, op.term, "c" + client.id + " " + op.commands));
        switch (op.kind) {
            case PUT, DELETE, APPEND -> {
                expect(client, reply instanceof Reply.Status || reply instanceof Reply.Int, reply);
                complete(client, Outcome.OK, null, null);
            }
            case CAS -> complete(client, Outcome.OK, flag(client, reply instanceof Reply.Status || isOne(reply),
                    reply), null);
            case PERSIST -> complete(client, Outcome.OK, flag(client, isOne(reply), reply), null);
            case TXN -> {
                expect(client, reply instanceof Reply.Array array && array.elements().size() == 4, reply);
                List<Reply> replies = ((Reply.Array) reply).elements();
                complete(client, Outcome.OK, text(client, replies.get(0)), text(client, replies.get(1)));
            }
            case GET -> throw new IllegalStateException("a GET is not a write");
        }
    }

    private static boolean isOne(Reply reply) {
        return reply instanceof Reply.Int number && number.value() == 1;
    }

    private String flag(Client client, boolean yes, Reply reply) {
        expect(client, reply instanceof Reply.Int || reply instanceof Reply.Status || reply instanceof Reply.Nil,
                reply);
        return yes ? Operation.SWAPPED : Operation.NOT_SWAPPED;
    }

    private String text(Client client, Reply reply) {
        expect(client, reply instanceof Reply.Bulk || reply instanceof Reply.Nil, reply);
        return reply instanceof Reply.Bulk bulk ? new String(bulk.value(), StandardCharsets.UTF_8) : null;
    }

    /** A reply the command cannot give is a fault of the state machine (or of this harness): stop the run. */
    private void expect(Client client, boolean condition, Reply reply) {
        if (!condition) {
            sim.fail("Key-value reply", "c" + client.id + " " + client.pending.commands + " got " + reply);
        }
    }

    private void complete(Client client, Outcome outcome, String result, String secondResult) {
        Pending op = client.pending;
        client.pending = null;
        recorder.complete(op.handle, outcome, result, secondResult, sim.nowMicros());
        boolean wrote = op.kind != OpKind.GET && op.sequence != 0;
        if (wrote && outcome != Outcome.OK) {
            client.sessionId = 0; // its sequence number may be a hole later writes could never pass
        }
        switch (outcome) {
            case OK -> ok++;
            case FAILED -> failed++;
            case UNKNOWN -> unknown++;
        }
        sim.note("c" + client.id, "client", op.kind + " " + op.key + " -> " + outcome
                + (result == null ? "" : " " + result) + (secondResult == null ? "" : "," + secondResult)
                + (op.index == NOT_WAITING ? "" : " @" + op.index));
        sim.schedule(1 + sim.random().nextLong(maxThinkMicros), () -> issue(client));
    }
}

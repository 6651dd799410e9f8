package io.caucus.sim.client;

import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.kv.command.ErrorCodes;
import io.caucus.kv.command.Reply;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.kv.state.KvQuery;
import io.caucus.server.CaucusException;
import io.caucus.server.NotLeaderException;
import io.caucus.sim.MultiGroupSimulation;
import io.caucus.sim.NodeObserver;
import io.caucus.sim.SimNode;
import io.caucus.sim.Simulation;
import io.caucus.sim.kv.KvReplica;
import io.caucus.sim.linearizability.HistoryRecorder;
import io.caucus.sim.linearizability.OpKind;
import io.caucus.sim.linearizability.Operation;
import io.caucus.sim.linearizability.Outcome;
import io.caucus.sim.shard.SimSlotMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Closed-loop Redis clients of a simulated sharded cluster (a {@link MultiGroupSimulation} whose slots a
 * {@link SimSlotMap} gives to groups), acting as a Redis Cluster client and the node it reaches do together. As
 * {@link ClientWorkload} does for one group (the same operations, sessions, outcomes and history), but each operation
 * goes to the group its key's slot belongs to, and follows the groups' answers while slots move:
 * <ul>
 *   <li>{@code ASKGROUP slot group}: the same operation again at the named group, with ASKING (the node turns it
 *       into {@code -ASK}; the client's {@code ASKING} then routes it to the target, which serves only commands that
 *       come with it);</li>
 *   <li>{@code MOVEDGROUP slot group}: the same operation again at the named group, without ASKING, and the client
 *       takes the map again (as a client refreshes its slots on {@code -MOVED}); with ASKING if the group that
 *       answered is handing the slot over to that group by the map in force (the node turns such a MOVED into
 *       {@code -ASK} after reading the metadata group);</li>
 *   <li>{@code TRYAGAIN}: the same operation again at the same group a little later, with the same sequence number
 *       (not applied, the number unused: the node retries it so).</li>
 * </ul>
 * A client holds a session per group it writes to (thesis §6.3 per group, as the RESP front end opens them), and
 * the history is one history: a key's operations are checked together whatever group served each.
 *
 * <p>Keys come in slot tags ({@link #keysOfTags}): each tag names a slot holding a pair of keys that may expire and
 * take two-key transactions together (same slot, as Redis Cluster requires) and a plain register.
 *
 * <p>Callbacks from the nodes never drive the cluster directly: every follow-up is scheduled as a new event.
 */
public final class ShardedClientWorkload implements NodeObserver {

    private static final long NOT_WAITING = -1;
    private static final String CAS_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
            + "redis.call('SET', KEYS[1], ARGV[2]) return 1 else return 0 end";
    private static final int MAX_TIME_TO_LIVE_MILLIS = 40;

    private enum Phase { BETWEEN_ATTEMPTS, REGISTERING, WRITE_ACCEPTED, READ_REQUESTED }

    private static final class Pending {
        long handle;
        OpKind kind;
        String key;
        List<List<String>> commands;
        boolean transaction;
        /** The write's sequence number in the session of {@link #sequenceGroup}, once it has one. */
        long sequence;
        long sequenceGroup;
        /** The group an ASK or MOVED named, for the next attempt; 0 to route by the client's map. */
        long redirect;
        /** The redirect was an ASK: the attempts at that group go with ASKING (a target serves only those). */
        boolean asking;
        /** The group of the attempt under way. */
        long group;
        Phase phase = Phase.BETWEEN_ATTEMPTS;
        SimNode node;
        int incarnation;
        long index = NOT_WAITING;
        long term;
        byte[] payload;
        int attempt;
    }

    private static final class Session {
        final long id;
        long lastSequence;

        Session(long id) {
            this.id = id;
        }
    }

    private static final class Client {
        final int id;
        final Map<Long, NodeId> targets = new HashMap<>();
        final Map<Long, Session> sessions = new HashMap<>();
        SlotMap map;
        Pending pending;
        long operations;

        Client(int id, SlotMap map) {
            this.id = id;
            this.map = map;
        }
    }

    /** The redirections and retries clients followed over a run. */
    public record Redirections(long asked, long moved, long triedAgain) {
    }

    private final MultiGroupSimulation multi;
    private final Simulation clock;
    private final SimSlotMap shards;
    private final boolean staleMaps;
    private final List<String> keys;
    private final long timeoutMicros;
    private final long maxThinkMicros;
    private final List<Client> clients = new ArrayList<>();
    private final HistoryRecorder recorder = new HistoryRecorder();
    private final Map<Long, List<ClientWorkload.AcknowledgedWrite>> acknowledged = new HashMap<>();
    private final List<ExpirySweeps> sweeps = new ArrayList<>();
    private boolean stopped;
    private long ok;
    private long failed;
    private long unknown;
    private long asked;
    private long moved;
    private long triedAgain;

    /**
     * @param staleMaps whether each client keeps the map it last took, taking it again only on MOVED and now and
     *                  then, as a Redis Cluster client does (otherwise every operation routes by the current map, as
     *                  a node with an up-to-date map routes it)
     */
    public ShardedClientWorkload(MultiGroupSimulation multi, SimSlotMap shards, int clientCount, List<String> keys,
                                 long timeoutTicks, boolean staleMaps) {
        if (clientCount < 1 || keys.size() < 3 || keys.size() % 3 != 0 || timeoutTicks < 1) {
            throw new IllegalArgumentException("need a client, keys in tags of three and a positive timeout");
        }
        this.multi = multi;
        this.clock = multi.group(1);
        this.shards = shards;
        this.staleMaps = staleMaps;
        this.keys = List.copyOf(keys);
        this.timeoutMicros = timeoutTicks * clock.config().tickMicros();
        this.maxThinkMicros = 3 * clock.config().tickMicros();
        for (int i = 1; i <= clientCount; i++) {
            clients.add(new Client(i, shards.current()));
        }
        for (long group = 1; group <= multi.groupCount(); group++) {
            multi.group(group).addObserver(this);
            sweeps.add(new ExpirySweeps(multi.group(group)));
        }
    }

    /**
     * Keys of {@code tags} slot tags: per tag {@code {tN}a} and {@code {tN}b}, which may expire and take transactions
     * together, and {@code {tN}r}, a plain register.
     */
    public static List<String> keysOfTags(int tags) {
        List<String> keys = new ArrayList<>();
        for (int tag = 0; tag < tags; tag++) {
            keys.add("{t" + tag + "}a");
            keys.add("{t" + tag + "}b");
            keys.add("{t" + tag + "}r");
        }
        return keys;
    }

    public void start() {
        for (Client client : clients) {
            clock.schedule(1 + clock.random().nextLong(maxThinkMicros), () -> issue(client));
        }
        sweeps.forEach(ExpirySweeps::start);
    }

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

    /** The writes acknowledged OK in {@code group}'s log, each to be in every live replica's committed log. */
    public List<ClientWorkload.AcknowledgedWrite> acknowledgedWrites(long group) {
        return List.copyOf(acknowledged.getOrDefault(group, List.of()));
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

    public Redirections redirections() {
        return new Redirections(asked, moved, triedAgain);
    }

    // ---------------------------------------------------------------- issuing

    private void issue(Client client) {
        if (stopped || client.pending != null) {
            return;
        }
        if (!staleMaps || clock.random().nextInt(8) == 0) {
            client.map = shards.current();
        }
        int keyIndex = clock.random().nextInt(keys.size());
        boolean expiring = keyIndex % 3 < 2;
        Pending op = new Pending();
        op.key = keys.get(keyIndex);
        op.kind = expiring ? expiringKeyOperation() : registerOperation();
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
                if (expiring && clock.random().nextBoolean()) {
                    expiresAt = ClientWorkload.clockMillis(clock) + 1 + clock.random().nextInt(MAX_TIME_TO_LIVE_MILLIS);
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
                secondKey = keys.get(keyIndex % 3 == 0 ? keyIndex + 1 : keyIndex - 1); // its pair: same slot
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
                ? recorder.invoke(client.id, op.kind, op.key, recordedValue, expected, clock.nowMicros())
                : recorder.invoke(client.id, op.kind, op.key, recordedValue, expiresAt, secondKey, clock.nowMicros());
        client.pending = op;
        clock.note("c" + client.id, "client", "invoke " + op.kind + " " + op.commands);
        long handle = op.handle;
        clock.schedule(timeoutMicros, () -> timeOut(client, handle));
        attempt(client);
    }

    private OpKind expiringKeyOperation() {
        int roll = clock.random().nextInt(100);
        return roll < 30 ? OpKind.GET : roll < 55 ? OpKind.PUT : roll < 70 ? OpKind.CAS
                : roll < 80 ? OpKind.PERSIST : roll < 85 ? OpKind.DELETE : OpKind.TXN;
    }

    private OpKind registerOperation() {
        int roll = clock.random().nextInt(100);
        return roll < 35 ? OpKind.GET : roll < 60 ? OpKind.PUT : roll < 75 ? OpKind.APPEND
                : roll < 95 ? OpKind.CAS : OpKind.DELETE;
    }

    /** A CAS expects a value some replica of the key's group holds, or absence, so that swaps sometimes succeed. */
    private String casExpectation(String key) {
        Simulation sim = multi.group(shards.groupOf(key));
        List<NodeId> up = sim.upNodes();
        if (up.isEmpty() || clock.random().nextInt(4) == 0) {
            return null;
        }
        return sim.node(up.get(clock.random().nextInt(up.size()))).stateMachine().get(key);
    }

    /** The group the next attempt goes to: where its sequence number was taken, else as redirected, else by map. */
    private static long groupFor(Client client, Pending op) {
        if (op.sequence != 0) {
            return op.sequenceGroup; // the number is unused there (not leader, TRYAGAIN): only there may it go
        }
        if (op.redirect != 0) {
            return op.redirect;
        }
        return client.map.groupOf(SimSlotMap.slotOf(op.key)).orElseThrow();
    }

    private void attempt(Client client) {
        Pending op = client.pending;
        if (op == null || op.phase != Phase.BETWEEN_ATTEMPTS) {
            return;
        }
        op.group = groupFor(client, op);
        Simulation sim = multi.group(op.group);
        SimNode node = sim.node(client.targets.computeIfAbsent(op.group, g -> anyNode(sim)));
        if (!node.isUp()) {
            retryElsewhere(client, null);
            return;
        }
        op.node = node;
        op.incarnation = node.incarnation();
        if (op.kind == OpKind.GET) {
            op.phase = Phase.READ_REQUESTED;
            readThroughRuntime(client, op, node);
            return;
        }
        Session session = client.sessions.get(op.group);
        boolean registering = session == null;
        if (!registering && op.sequence == 0) {
            op.sequence = ++session.lastSequence;
            op.sequenceGroup = op.group;
        }
        KvEntry entry = registering ? new KvEntry.Register(0)
                : new KvEntry.SessionCommand(0, session.id, op.sequence, body(op), asking(op));
        submitThroughRuntime(client, op, node, registering, EntryCodec.encode(entry));
    }

    /** Whether this attempt goes with ASKING: it goes to the group an ASK named. */
    private static boolean asking(Pending op) {
        return op.asking && op.group == op.redirect;
    }

    private void submitThroughRuntime(Client client, Pending op, SimNode node, boolean registering, byte[] entry) {
        op.phase = registering ? Phase.REGISTERING : Phase.WRITE_ACCEPTED;
        op.payload = entry;
        op.index = NOT_WAITING;
        int attempt = ++op.attempt;
        node.runtime().submit(entry).whenComplete((result, error) -> {
            if (client.pending != op || op.attempt != attempt) {
                return;
            }
            if (error == null) {
                Reply reply = EntryCodec.decodeReply(result);
                if (registering) {
                    onRegistered(client, reply instanceof Reply.Int id ? id.value() : 0);
                } else {
                    completeWrite(client, reply);
                }
            } else if (registering || (error instanceof CaucusException known && known.outcomeKnown())) {
                retryElsewhere(client, leaderHint(error));
            } else {
                complete(client, Outcome.UNKNOWN, null, null);
            }
        });
    }

    private void readThroughRuntime(Client client, Pending op, SimNode node) {
        int attempt = ++op.attempt;
        byte[] query = EntryCodec.encode(new KvQuery.Call(0, bytes(op.commands.get(0)), asking(op)));
        node.runtime().read(query).whenComplete((result, error) -> {
            if (client.pending != op || op.attempt != attempt) {
                return;
            }
            if (error != null) {
                retryElsewhere(client, leaderHint(error)); // a read not served had no effect
                return;
            }
            Reply reply = EntryCodec.decodeReply(result);
            if (!followed(client, reply)) {
                complete(client, Outcome.OK, text(client, reply), null);
            }
        });
    }

    /**
     * Follows a group's answer that the operation belongs elsewhere or later (nothing was applied); false for any
     * other reply.
     */
    private boolean followed(Client client, Reply reply) {
        if (!(reply instanceof Reply.Error error)) {
            return false;
        }
        Pending op = client.pending;
        switch (error.code()) {
            case ErrorCodes.TRYAGAIN -> {
                triedAgain++;
                // Same group and, for a write, the same sequence number: it was not used.
                retryLater(client, 1 + clock.random().nextLong(2 * clock.config().tickMicros()));
            }
            case ErrorCodes.ASKGROUP, ErrorCodes.MOVEDGROUP -> {
                // "slot group": the refusal used the write's sequence number (recorded in that session).
                String[] slotAndGroup = error.message().split(" ");
                int slot = Integer.parseInt(slotAndGroup[0]);
                long group = Long.parseLong(slotAndGroup[1]);
                // As ShardRouter.redirect: MOVED from a source that handed the slot over becomes an ASK while that
                // move is under way, as the metadata group says now (the node reads it linearizably): never by the
                // client's map, which may be moves behind (seed 9033).
                boolean ask = error.code().equals(ErrorCodes.ASKGROUP)
                        || shards.current().isMoving(slot, op.group, group);
                if (error.code().equals(ErrorCodes.ASKGROUP)) {
                    asked++;
                } else {
                    moved++;
                    client.map = shards.current();
                }
                op.redirect = group;
                op.asking = ask;
                op.sequence = 0;
                retryLater(client, 1);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private void retryLater(Client client, long delayMicros) {
        Pending op = client.pending;
        op.phase = Phase.BETWEEN_ATTEMPTS;
        op.node = null;
        clock.schedule(delayMicros, () -> attempt(client));
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

    private NodeId anyNode(Simulation sim) {
        List<NodeId> nodes = sim.nodeIds();
        return nodes.get(clock.random().nextInt(nodes.size()));
    }

    private void retryElsewhere(Client client, NodeId hint) {
        Pending op = client.pending;
        Simulation sim = multi.group(op.group);
        if (hint != null && !hint.equals(client.targets.get(op.group))) {
            client.targets.put(op.group, hint);
        } else {
            client.targets.put(op.group, anyNode(sim));
        }
        long backoffMicros = (hint == null ? 3 : 1) * clock.config().tickMicros();
        retryLater(client, 1 + clock.random().nextLong(backoffMicros));
    }

    // ---------------------------------------------------------------- learning outcomes

    @Override
    public void onApplied(SimNode node, LogEntry entry, Reply reply) {
        for (Client client : clients) {
            Pending op = client.pending;
            if (op != null && op.node == node && op.incarnation == node.incarnation()) {
                boolean submitted = op.phase == Phase.REGISTERING || op.phase == Phase.WRITE_ACCEPTED;
                if (submitted && op.index == NOT_WAITING && KvReplica.sameButStamp(entry.payload(), op.payload)) {
                    op.index = entry.index();
                    op.term = entry.term();
                }
            }
        }
    }

    private void onRegistered(Client client, long sessionId) {
        Pending op = client.pending;
        op.phase = Phase.BETWEEN_ATTEMPTS;
        if (sessionId != 0) {
            client.sessions.put(op.group, new Session(sessionId));
        }
        clock.schedule(1, () -> attempt(client));
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
        // Only an accepted write may have taken effect; a refusal (TRYAGAIN, ASK, MOVED) applied nothing.
        complete(client, op.phase == Phase.WRITE_ACCEPTED ? Outcome.UNKNOWN : Outcome.FAILED, null, null);
    }

    private void completeWrite(Client client, Reply reply) {
        if (followed(client, reply)) {
            return;
        }
        Pending op = client.pending;
        if (reply instanceof Reply.Error error && ErrorCodes.isSessionRefusal(error.code())) {
            complete(client, ErrorCodes.notApplied(error.code()) ? Outcome.FAILED : Outcome.UNKNOWN, null, null);
            return;
        }
        if (op.index == NOT_WAITING) {
            multi.group(op.group).fail("Harness", "c" + client.id + " " + op.commands
                    + " was acknowledged, but its node was not seen applying it");
        }
        acknowledged.computeIfAbsent(op.group, g -> new ArrayList<>())
                .add(new ClientWorkload.AcknowledgedWrite(op.index, op.term, "c" + client.id + " " + op.commands));
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

    private void expect(Client client, boolean condition, Reply reply) {
        if (!condition) {
            multi.group(client.pending.group).fail("Key-value reply", "c" + client.id + " "
                    + client.pending.commands + " got " + reply);
        }
    }

    private void complete(Client client, Outcome outcome, String result, String secondResult) {
        Pending op = client.pending;
        client.pending = null;
        recorder.complete(op.handle, outcome, result, secondResult, clock.nowMicros());
        boolean wrote = op.kind != OpKind.GET && op.sequence != 0;
        if (wrote && outcome != Outcome.OK) {
            client.sessions.remove(op.sequenceGroup); // its sequence number may be a hole later writes never pass
        }
        switch (outcome) {
            case OK -> ok++;
            case FAILED -> failed++;
            case UNKNOWN -> unknown++;
        }
        clock.note("c" + client.id, "client", op.kind + " " + op.key + " -> " + outcome
                + (result == null ? "" : " " + result) + (secondResult == null ? "" : "," + secondResult)
                + " in group " + op.group + (op.index == NOT_WAITING ? "" : " @" + op.index));
        clock.schedule(1 + clock.random().nextLong(maxThinkMicros), () -> issue(client));
    }
}

package io.caucus.sim.client;

import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.ProposeResult;
import io.caucus.core.ReadResult;
import io.caucus.core.SnapshotMetadata;
import io.caucus.sim.NodeObserver;
import io.caucus.sim.SimNode;
import io.caucus.sim.Simulation;
import io.caucus.sim.kv.KvCommand;
import io.caucus.sim.kv.KvSnapshot;
import io.caucus.sim.linearizability.HistoryRecorder;
import io.caucus.sim.linearizability.OpKind;
import io.caucus.sim.linearizability.Operation;
import io.caucus.sim.linearizability.Outcome;
import java.util.ArrayList;
import java.util.List;

/**
 * Closed-loop key-value clients of a simulated cluster. Each client has one operation in flight at a time,
 * sends it to the node it believes leads, follows leader hints, and records what it learns in a
 * {@link HistoryRecorder} for the linearizability checker.
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

    private static final long NOT_WAITING = -1;

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

    private enum Phase { BETWEEN_ATTEMPTS, WRITE_ACCEPTED, READ_REQUESTED, READ_CONFIRMED }

    private static final class Pending {
        long handle;
        OpKind kind;
        String key;
        KvCommand command;
        Phase phase = Phase.BETWEEN_ATTEMPTS;
        SimNode node;
        int incarnation;
        long index = NOT_WAITING;
        long term;
        long requestId;
    }

    private static final class Client {
        final int id;
        NodeId target;
        Pending pending;
        long operations;

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
    private boolean stopped;
    private long nextRequestId = 1;
    private long ok;
    private long failed;
    private long unknown;

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
        sim.addObserver(this);
    }

    /** Starts every client's loop of operations. */
    public void start() {
        for (Client client : clients) {
            sim.schedule(1 + sim.random().nextLong(maxThinkMicros), () -> issue(client));
        }
    }

    /** Clients issue no new operations; those in flight still complete or time out. */
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

    // ---------------------------------------------------------------- issuing

    private void issue(Client client) {
        if (stopped || client.pending != null) {
            return;
        }
        Pending op = new Pending();
        op.key = keys.get(sim.random().nextInt(keys.size()));
        long n = ++client.operations;
        int roll = sim.random().nextInt(100);
        String value = "c" + client.id + "." + n;
        String expected = null;
        if (roll < 35) {
            op.kind = OpKind.GET;
            value = null;
        } else if (roll < 60) {
            op.kind = OpKind.PUT;
        } else if (roll < 75) {
            op.kind = OpKind.APPEND;
            value = value + ";";
        } else if (roll < 95) {
            op.kind = OpKind.CAS;
            expected = casExpectation(op.key);
        } else {
            op.kind = OpKind.DELETE;
            value = null;
        }
        if (op.kind != OpKind.GET) {
            op.command = new KvCommand(client.id, n, KvCommand.Kind.valueOf(op.kind.name()), op.key, value, expected);
        }
        op.handle = recorder.invoke(client.id, op.kind, op.key, value, expected, sim.nowMicros());
        client.pending = op;
        sim.note("c" + client.id, "client", "invoke " + op.kind + " " + op.key
                + (value == null ? "" : " " + value) + (op.kind == OpKind.CAS ? " if " + expected : ""));
        long handle = op.handle;
        sim.schedule(timeoutMicros, () -> timeOut(client, handle));
        attempt(client);
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
        if (op.kind == OpKind.GET && readMode == ReadMode.LOCAL_UNSAFE) {
            complete(client, Outcome.OK, node.stateMachine().get(op.key));
            return;
        }
        if (op.kind == OpKind.GET) {
            op.phase = Phase.READ_REQUESTED;
            op.requestId = nextRequestId++;
            sim.readIndex(node.id(), op.requestId);
            return;
        }
        switch (sim.propose(node.id(), op.command.encode())) {
            case ProposeResult.Accepted accepted -> {
                op.phase = Phase.WRITE_ACCEPTED;
                op.index = accepted.firstIndex();
                op.term = accepted.term();
            }
            case ProposeResult.Rejected rejected -> retryElsewhere(client, rejected.leaderHint());
        }
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
    public void onApplied(SimNode node, LogEntry entry, String result) {
        for (Client client : clients) {
            Pending op = client.pending;
            if (op == null || op.node != node || op.incarnation != node.incarnation()) {
                continue;
            }
            if (op.phase == Phase.WRITE_ACCEPTED && entry.index() == op.index) {
                if (entry.term() == op.term) {
                    acknowledged.add(new AcknowledgedWrite(op.index, op.term, "c" + client.id + " " + op.command));
                    complete(client, Outcome.OK, op.kind == OpKind.CAS ? result : null);
                } else {
                    complete(client, Outcome.FAILED, null);
                }
            } else if (op.phase == Phase.READ_CONFIRMED && node.stateMachine().appliedIndex() >= op.index) {
                complete(client, Outcome.OK, node.stateMachine().get(op.key));
            }
        }
    }

    /**
     * The accepting node skipped entries by loading a snapshot. A write it accepted at an index the snapshot
     * covers is committed there (the snapshot holds committed state only): OK if the committed entry has the
     * accepted term, with a CAS result from the client's session in the snapshot; FAILED otherwise.
     */
    @Override
    public void onRestored(SimNode node, SnapshotMetadata snapshot, KvSnapshot state) {
        for (Client client : clients) {
            Pending op = client.pending;
            if (op == null || op.node != node || op.incarnation != node.incarnation()) {
                continue;
            }
            if (op.phase == Phase.WRITE_ACCEPTED && op.index <= snapshot.lastIncludedIndex()) {
                LogEntry committed = sim.committedEntry(op.index);
                KvSnapshot.Session session = state.sessions().get(client.id);
                boolean resultKnown = op.kind != OpKind.CAS
                        || (session != null && session.lastOperationId() == op.command.operationId());
                if (committed != null && committed.term() == op.term && resultKnown) {
                    acknowledged.add(new AcknowledgedWrite(op.index, op.term, "c" + client.id + " " + op.command));
                    complete(client, Outcome.OK, op.kind == OpKind.CAS ? session.lastResult() : null);
                } else if (committed != null && committed.term() == op.term) {
                    complete(client, Outcome.UNKNOWN, null);
                } else {
                    complete(client, Outcome.FAILED, null);
                }
            } else if (op.phase == Phase.READ_CONFIRMED && node.stateMachine().appliedIndex() >= op.index) {
                complete(client, Outcome.OK, node.stateMachine().get(op.key));
            }
        }
    }

    @Override
    public void onRead(SimNode node, ReadResult read) {
        for (Client client : clients) {
            Pending op = client.pending;
            if (op == null || op.phase != Phase.READ_REQUESTED || op.requestId != read.requestId()) {
                continue;
            }
            switch (read) {
                case ReadResult.Confirmed confirmed -> {
                    op.phase = Phase.READ_CONFIRMED;
                    op.index = confirmed.readIndex();
                    if (node.stateMachine().appliedIndex() >= op.index) {
                        complete(client, Outcome.OK, node.stateMachine().get(op.key));
                    }
                }
                case ReadResult.Rejected rejected -> retryElsewhere(client, rejected.leaderHint());
            }
        }
    }

    @Override
    public void onCrashed(SimNode node) {
        for (Client client : clients) {
            Pending op = client.pending;
            if (op != null && op.node == node) {
                switch (op.phase) {
                    case WRITE_ACCEPTED -> complete(client, Outcome.UNKNOWN, null);
                    case READ_REQUESTED, READ_CONFIRMED -> retryElsewhere(client, null);
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
        complete(client, op.phase == Phase.WRITE_ACCEPTED ? Outcome.UNKNOWN : Outcome.FAILED, null);
    }

    private void complete(Client client, Outcome outcome, String result) {
        Pending op = client.pending;
        client.pending = null;
        recorder.complete(op.handle, outcome, result, sim.nowMicros());
        switch (outcome) {
            case OK -> ok++;
            case FAILED -> failed++;
            case UNKNOWN -> unknown++;
        }
        sim.note("c" + client.id, "client", op.kind + " " + op.key + " -> " + outcome
                + (result == null ? "" : " " + result) + (op.index == NOT_WAITING ? "" : " @" + op.index));
        sim.schedule(1 + sim.random().nextLong(maxThinkMicros), () -> issue(client));
    }
}

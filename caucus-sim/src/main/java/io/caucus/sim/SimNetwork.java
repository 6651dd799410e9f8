package io.caucus.sim;

import io.caucus.core.NodeId;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.core.message.RaftMessage;
import io.caucus.sim.kv.KvSnapshot;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The simulated network between the nodes: every message is delayed, and may be lost, duplicated or reordered,
 * as the {@link NetworkProfile} says; partitions ({@link Connectivity}) and drop rules cut it, also for messages
 * already in flight; a message to a node that restarted meanwhile is lost with the connection. A snapshot's data
 * travels with its InstallSnapshot, as the runtimes' transfer would carry it. Every message sent, delivered and
 * dropped is counted by kind.
 *
 * <p>Every random choice comes from the simulation's one {@link Random}, in event order, so a seed still
 * reproduces a run.
 */
final class SimNetwork {

    /** What the simulation does with what arrives, or fails to. */
    interface Receiver {
        void deliver(SimNode target, RaftMessage message);

        /** An InstallSnapshot arrived, with the data of its snapshot from the sender's store. */
        void deliverSnapshot(SimNode target, InstallSnapshot message, KvSnapshot state);

        /** A snapshot transfer from {@code from} (then in incarnation {@code fromIncarnation}) was lost. */
        void snapshotTransferLost(SimNode from, int fromIncarnation, InstallSnapshot message);
    }

    private final Random random;
    private final EventQueue events;
    private final Trace trace;
    private final Function<NodeId, SimNode> nodes;
    private final Connectivity connectivity;
    private final Consumer<RaftMessage> onSent;
    private final long tickMicros;
    private final Receiver receiver;
    private final Map<MessageKind, long[]> sent = new EnumMap<>(MessageKind.class);
    private final Map<MessageKind, long[]> delivered = new EnumMap<>(MessageKind.class);
    private final Map<MessageKind, long[]> dropped = new EnumMap<>(MessageKind.class);
    private Predicate<RaftMessage> dropRule = message -> false;
    private NetworkProfile profile;

    /**
     * @param nodes  finds a message's target (null if unknown)
     * @param onSent sees every message as it is sent, before any fault touches it (the invariant checker)
     */
    SimNetwork(Random random, EventQueue events, Trace trace, Function<NodeId, SimNode> nodes,
               Connectivity connectivity, Consumer<RaftMessage> onSent, long tickMicros, NetworkProfile profile,
               Receiver receiver) {
        this.random = random;
        this.events = events;
        this.trace = trace;
        this.nodes = nodes;
        this.connectivity = connectivity;
        this.onSent = onSent;
        this.tickMicros = tickMicros;
        this.profile = profile;
        this.receiver = receiver;
        for (MessageKind kind : MessageKind.values()) {
            sent.put(kind, new long[1]);
            delivered.put(kind, new long[1]);
            dropped.put(kind, new long[1]);
        }
    }

    NetworkProfile profile() {
        return profile;
    }

    void setProfile(NetworkProfile profile) {
        this.profile = profile;
    }

    /** Drops every message matching {@code rule} from now on (replacing any earlier rule). */
    void dropMessages(Predicate<RaftMessage> rule) {
        this.dropRule = rule;
    }

    long sent(MessageKind kind) {
        return sent.get(kind)[0];
    }

    long delivered(MessageKind kind) {
        return delivered.get(kind)[0];
    }

    long dropped(MessageKind kind) {
        return dropped.get(kind)[0];
    }

    long totalSent() {
        long total = 0;
        for (long[] count : sent.values()) {
            total += count[0];
        }
        return total;
    }

    /** Messages sent so far, by kind (a copy). */
    Map<MessageKind, Long> sentCounts() {
        Map<MessageKind, Long> copy = new EnumMap<>(MessageKind.class);
        sent.forEach((kind, count) -> copy.put(kind, count[0]));
        return copy;
    }

    void send(SimNode from, RaftMessage message) {
        MessageKind kind = MessageKind.of(message);
        sent.get(kind)[0]++;
        onSent.accept(message);
        if (message instanceof InstallSnapshot install) {
            sendSnapshot(from, install);
            return;
        }
        SimNode target = nodes.apply(message.to());
        String reason = dropReason(message, target);
        if (reason != null) {
            dropped.get(kind)[0]++;
            trace.record(events.now(), from, "drop", reason + " " + message);
            return;
        }
        trace.record(events.now(), from, "send", message);
        int copies = random.nextDouble() < profile.duplicateProbability() ? 2 : 1;
        int incarnation = target.incarnation();
        for (int i = 0; i < copies; i++) {
            long delay = profile.minDelayMicros()
                    + random.nextLong(profile.maxDelayMicros() - profile.minDelayMicros() + 1);
            if (random.nextDouble() < profile.reorderProbability()) {
                delay += random.nextLong(10 * profile.maxDelayMicros());
            }
            events.at(events.now() + delay, () -> deliver(message, target, incarnation));
        }
    }

    /**
     * The runtimes' transfer of a snapshot's data, then the InstallSnapshot itself: one delayed delivery carrying
     * the snapshot's state from the sender's store, lost like any message (and when the target restarts or is cut
     * off meanwhile).
     */
    private void sendSnapshot(SimNode from, InstallSnapshot message) {
        MessageKind kind = MessageKind.INSTALL_SNAPSHOT;
        KvSnapshot state = from.disk().snapshotState(message.snapshot());
        SimNode target = nodes.apply(message.to());
        String reason = state == null ? "not-in-sender-store" : dropReason(message, target);
        int fromIncarnation = from.incarnation();
        if (reason != null) {
            dropped.get(kind)[0]++;
            trace.record(events.now(), from, "drop", reason + " " + message);
            receiver.snapshotTransferLost(from, fromIncarnation, message);
            return;
        }
        trace.record(events.now(), from, "send", message + " with its data");
        int incarnation = target.incarnation();
        long delay = profile.minDelayMicros() + random.nextLong(profile.maxDelayMicros() - profile.minDelayMicros() + 1)
                + random.nextLong(3 * tickMicros);
        events.at(events.now() + delay, () -> {
            if (target.incarnation() != incarnation || !target.isUp()
                    || !connectivity.canSend(message.from(), message.to()) || dropRule.test(message)) {
                dropped.get(kind)[0]++;
                trace.record(events.now(), target, "drop", "transfer-interrupted " + message);
                receiver.snapshotTransferLost(from, fromIncarnation, message);
                return;
            }
            delivered.get(kind)[0]++;
            receiver.deliverSnapshot(target, message, state);
        });
    }

    private String dropReason(RaftMessage message, SimNode target) {
        if (target == null) {
            return "unknown-target";
        }
        if (!target.isUp()) {
            return "target-down";
        }
        if (!connectivity.canSend(message.from(), message.to())) {
            return "partitioned";
        }
        if (dropRule.test(message)) {
            return "rule";
        }
        if (random.nextDouble() < profile.lossProbability()) {
            return "lost";
        }
        return null;
    }

    private void deliver(RaftMessage message, SimNode target, int incarnation) {
        MessageKind kind = MessageKind.of(message);
        if (target.incarnation() != incarnation || !target.isUp()) {
            dropped.get(kind)[0]++;
            trace.record(events.now(), target, "drop", "target-restarted " + message);
            return;
        }
        if (!connectivity.canSend(message.from(), message.to()) || dropRule.test(message)) {
            dropped.get(kind)[0]++;
            trace.record(events.now(), target, "drop", "partitioned-in-flight " + message);
            return;
        }
        delivered.get(kind)[0]++;
        trace.record(events.now(), target, "deliver", message);
        receiver.deliver(target, message);
    }
}

package io.caucus.sim;

import io.caucus.core.NodeId;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.core.message.RaftMessage;
import io.caucus.transport.SnapshotFrame;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The simulated network between the nodes: every message is delayed, and may be lost, duplicated or reordered,
 * as the {@link NetworkProfile} says; partitions ({@link Connectivity}) and drop rules cut it, also for messages
 * already in flight; a message to a node that restarted meanwhile is lost with the connection. A snapshot
 * travels as the runtimes stream it, in frames kept in order on each link. Every message sent, delivered and
 * dropped is counted by kind.
 *
 * <p>Every random choice comes from the simulation's one {@link Random}, in event order, so a seed still
 * reproduces a run.
 */
final class SimNetwork {

    /** What the simulation does with what arrives. */
    interface Receiver {
        void deliver(SimNode target, RaftMessage message);

        /** A frame of a runtime's snapshot stream arrived. */
        void deliverFrame(SimNode target, SnapshotFrame frame);
    }

    private final Random random;
    private final EventQueue events;
    private final Trace trace;
    private final Function<NodeId, SimNode> nodes;
    private final Connectivity connectivity;
    private final Consumer<RaftMessage> onSent;
    private final Receiver receiver;
    private final Map<MessageKind, long[]> sent = new EnumMap<>(MessageKind.class);
    private final Map<MessageKind, long[]> delivered = new EnumMap<>(MessageKind.class);
    private final Map<MessageKind, long[]> dropped = new EnumMap<>(MessageKind.class);
    private Predicate<RaftMessage> dropRule = message -> false;
    /** When the last snapshot frame sent on each link (from, to) arrives: frames keep their order, as on TCP. */
    private final Map<List<NodeId>, Long> frameArrivals = new HashMap<>();
    private NetworkProfile profile;

    /**
     * @param nodes  finds a message's target (null if unknown)
     * @param onSent sees every message as it is sent, before any fault touches it (the invariant checker)
     */
    SimNetwork(Random random, EventQueue events, Trace trace, Function<NodeId, SimNode> nodes,
               Connectivity connectivity, Consumer<RaftMessage> onSent, NetworkProfile profile,
               Receiver receiver) {
        this.random = random;
        this.events = events;
        this.trace = trace;
        this.nodes = nodes;
        this.connectivity = connectivity;
        this.onSent = onSent;
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

    void send(SimNode from, RaftMessage message) {
        MessageKind kind = MessageKind.of(message);
        sent.get(kind)[0]++;
        onSent.accept(message);
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
     * A frame of a runtime's snapshot stream (Raft paper §7: the data of an InstallSnapshot, in chunks, and the
     * receiver's acknowledgements): false if no connection reaches the peer now (down, cut off, unknown);
     * otherwise it arrives after the network's delay, never before a frame sent earlier on the same link, or is
     * lost (a lost frame's successors still come, as after a reconnection; the streams detect the gap). The
     * first chunk of a transfer counts as an InstallSnapshot sent, and is checked as one; the last one, delivered,
     * as an InstallSnapshot delivered.
     */
    boolean sendSnapshotFrame(SimNode from, SnapshotFrame frame) {
        SimNode target = nodes.apply(frame.to());
        if (target == null || !target.isUp() || !connectivity.canSend(frame.from(), frame.to())) {
            return false;
        }
        if (frame instanceof SnapshotFrame.Chunk chunk && chunk.offset() == 0) {
            sent.get(MessageKind.INSTALL_SNAPSHOT)[0]++;
            onSent.accept(installSnapshotOf(chunk));
        }
        if (frame instanceof SnapshotFrame.Chunk chunk && dropRule.test(installSnapshotOf(chunk))) {
            trace.record(events.now(), from, "drop", "rule " + describe(frame));
            return true;
        }
        if (random.nextDouble() < profile.lossProbability()) {
            trace.record(events.now(), from, "drop", "lost " + describe(frame));
            return true;
        }
        trace.record(events.now(), from, "send", describe(frame));
        long delay = profile.minDelayMicros() + random.nextLong(profile.maxDelayMicros() - profile.minDelayMicros() + 1);
        List<NodeId> link = List.of(frame.from(), frame.to());
        long arrival = Math.max(events.now() + delay, frameArrivals.getOrDefault(link, 0L));
        frameArrivals.put(link, arrival);
        int incarnation = target.incarnation();
        events.at(arrival, () -> {
            if (target.incarnation() != incarnation || !target.isUp()
                    || !connectivity.canSend(frame.from(), frame.to())) {
                trace.record(events.now(), target, "drop", "connection-lost " + describe(frame));
                return;
            }
            if (frame instanceof SnapshotFrame.Chunk chunk && chunk.last()) {
                delivered.get(MessageKind.INSTALL_SNAPSHOT)[0]++;
            }
            trace.record(events.now(), target, "deliver", describe(frame));
            receiver.deliverFrame(target, frame);
        });
        return true;
    }

    /** The InstallSnapshot a chunk carries part of: what the checker and the drop rules see of it. */
    private static InstallSnapshot installSnapshotOf(SnapshotFrame.Chunk chunk) {
        return new InstallSnapshot(chunk.from(), chunk.to(), chunk.term(), chunk.snapshot());
    }

    private static String describe(SnapshotFrame frame) {
        return switch (frame) {
            case SnapshotFrame.Chunk chunk -> "Chunk[" + chunk.from() + "->" + chunk.to() + " transfer "
                    + chunk.transferId() + " snapshot " + chunk.snapshot().lastIncludedIndex() + "/t"
                    + chunk.snapshot().lastIncludedTerm() + " offset " + chunk.offset() + " bytes "
                    + chunk.data().length + (chunk.last() ? " last" : "") + "]";
            case SnapshotFrame.Ack ack -> "Ack[" + ack.from() + "->" + ack.to() + " transfer " + ack.transferId()
                    + " received " + ack.receivedBytes() + " " + ack.status() + "]";
        };
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

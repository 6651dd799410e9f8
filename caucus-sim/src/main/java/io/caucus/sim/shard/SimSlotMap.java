package io.caucus.sim.shard;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.kv.slots.KeySlot;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.slots.SlotRange;
import io.caucus.sim.MultiGroupSimulation;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * The slot map of a simulated sharded cluster: caucus-kv's {@link SlotMap}, held by the simulation in place of the
 * metadata group (whose log is not simulated), so every change is one epoch and takes effect at once for whoever
 * reads it next. The {@link SimSlotMover} records and finishes migrations, the {@link SimReplicaMover} replica
 * moves; clients route by it, and the processes run the replicas it places ({@link #placement}).
 */
public final class SimSlotMap {

    private SlotMap current;

    public SimSlotMap(SlotMap initial) {
        this.current = initial;
    }

    public SlotMap current() {
        return current;
    }

    /** The group that owns {@code key}'s slot (the source while its slot migrates). */
    public long groupOf(String key) {
        int slot = slotOf(key);
        return current.groupOf(slot).orElseThrow(() -> new IllegalStateException("slot " + slot + " is unassigned"));
    }

    public static int slotOf(String key) {
        return KeySlot.of(key.getBytes(StandardCharsets.UTF_8));
    }

    void startMigration(SlotRange range, long target) {
        current = current.startMigration(range, target);
    }

    void finishMigration(SlotRange range) {
        current = current.finishMigration(range);
    }

    void startReplicaMove(long group, NodeId from, NodeId to) {
        current = current.startReplicaMove(group, from, to);
    }

    void finishReplicaMove(long group) {
        current = current.finishReplicaMove(group);
    }

    void cancelReplicaMove(long group) {
        current = current.cancelReplicaMove(group);
    }

    void abandonReplicaMove(long group) {
        current = current.abandonReplicaMove(group);
    }

    void startReplicaMoves(List<SlotMap.ReplicaMove> moves) {
        current = current.startReplicaMoves(moves);
    }

    void removeNode(NodeId node) {
        current = current.removeNode(node);
    }

    /**
     * The groups' replicas on the processes as this map places them, followed by each process every
     * {@code followEveryTicks} as a sharded node follows its map (ShardedKvServer): a group starts on the replicas the
     * map lists now; a process the map places a replica on (the one moving there) starts it, joining the voters the
     * map lists as a non-voter; a process the map retired from a group removes its replica.
     */
    public MultiGroupSimulation.Placement placement(long followEveryTicks) {
        SlotMap first = current;
        return new MultiGroupSimulation.Placement() {
            @Override
            public Set<NodeId> firstReplicas(long group) {
                return Set.copyOf(first.replicasOf(group));
            }

            @Override
            public boolean places(long group, NodeId process) {
                return current.placesReplicaOn(group, process);
            }

            @Override
            public boolean retired(long group, NodeId process) {
                return current.retiredReplicasOf(group).contains(process);
            }

            @Override
            public ClusterConfiguration bootstrap(long group, NodeId process) {
                return ClusterConfiguration.ofVoters(Set.copyOf(current.replicasOf(group)));
            }

            @Override
            public long followEveryTicks() {
                return followEveryTicks;
            }
        };
    }
}

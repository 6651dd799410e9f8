package io.caucus.kv.slots;

import io.caucus.core.NodeId;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node knows of the sharded cluster when a CLUSTER command arrives: the input of {@link ClusterViews}.
 *
 * @param self            the process answering
 * @param map             the slot map it holds
 * @param leaders         group to the replica this process believes leads it; a group absent has no known leader
 * @param clientAddresses every process's Redis port, its host string as configured (e.g. 127.0.0.1); self's
 *                        included
 */
public record ClusterSnapshot(NodeId self, SlotMap map, Map<Long, NodeId> leaders,
                              Map<NodeId, InetSocketAddress> clientAddresses) {

    public ClusterSnapshot {
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(map, "map");
        leaders = Map.copyOf(leaders);
        clientAddresses = Map.copyOf(clientAddresses);
        if (!clientAddresses.containsKey(self)) {
            // The CLUSTER NODES line flagged myself needs it; a process always knows its own port.
            throw new IllegalArgumentException("no client address for self (" + self + ") among "
                    + clientAddresses.keySet());
        }
    }

    /**
     * The leader of {@code group} clients can be sent to: the believed leader, if there is one and its client
     * address is known (a leader with no address cannot be named in a reply, so it counts as no leader).
     */
    public Optional<NodeId> leaderOf(long group) {
        NodeId leader = leaders.get(group);
        return leader != null && clientAddresses.containsKey(leader) ? Optional.of(leader) : Optional.empty();
    }

    /**
     * {@code group}'s replicas as CLUSTER SLOTS and SHARDS list them: its leader first, then the other replicas in
     * {@link SlotMap#replicasOf} order; without a known leader, the replicas in map order. Replicas without a client
     * address are left out, since a reply cannot point to them.
     */
    public List<NodeId> replicasLeaderFirst(long group) {
        List<NodeId> ordered = new ArrayList<>();
        Optional<NodeId> leader = leaderOf(group);
        leader.ifPresent(ordered::add);
        for (NodeId replica : map.replicasOf(group)) {
            if (clientAddresses.containsKey(replica) && !leader.equals(Optional.of(replica))) {
                ordered.add(replica);
            }
        }
        return ordered;
    }

    /** The client address of {@code node}, which must be known. */
    InetSocketAddress addressOf(NodeId node) {
        InetSocketAddress address = clientAddresses.get(node);
        if (address == null) {
            throw new IllegalArgumentException("no client address for " + node);
        }
        return address;
    }
}

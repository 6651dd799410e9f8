package io.caucus.kv.shard;

import io.caucus.core.NodeId;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.slots.SlotMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import java.util.Set;

/**
 * Which Raft groups a sharded cluster starts with, read from its cluster file: the metadata group ({@link
 * #METADATA_GROUP}, on every node) holding the slot map, and {@code shards} data groups (ids from {@link
 * #FIRST_DATA_GROUP}), the i-th replicated on {@code shardReplicas} nodes taken in the file's order from the i-th
 * node on, so the groups and, after their first elections, their leaders spread over the nodes.
 *
 * <p>Only the first start reads it: the map installed in the metadata group (and each group's recorded first
 * voters) is what counts afterwards, so a cluster file edited later does not move a slot (docs/multiraft.md).
 */
public final class ShardLayout {

    /** The group holding the slot map. Not a data group, so no slot is ever assigned to it. */
    public static final long METADATA_GROUP = 1;
    public static final long FIRST_DATA_GROUP = 2;

    private final List<NodeId> nodes;
    private final int shards;
    private final int replicas;

    private ShardLayout(List<NodeId> nodes, int shards, int replicas) {
        if (shards < 1 || replicas < 1 || replicas > nodes.size()) {
            throw new IllegalArgumentException("cannot lay out " + shards + " shards of " + replicas + " replicas on "
                    + nodes.size() + " nodes");
        }
        this.nodes = List.copyOf(nodes);
        this.shards = shards;
        this.replicas = replicas;
    }

    public static ShardLayout of(ClusterConfig config) {
        return new ShardLayout(config.nodes().stream().map(ClusterConfig.Node::id).toList(),
                config.sharding().shards(), config.sharding().replicas());
    }

    static ShardLayout of(List<NodeId> nodes, int shards, int replicas) {
        return new ShardLayout(nodes, shards, replicas);
    }

    public static boolean isDataGroup(long group) {
        return group >= FIRST_DATA_GROUP;
    }

    /** The first voters of {@code group}: every node for the metadata group, else its replicas. */
    public Set<NodeId> firstVoters(long group) {
        return group == METADATA_GROUP ? Set.copyOf(nodes) : Set.copyOf(replicasOf(group));
    }

    /** The data groups the initial layout puts a replica of on {@code node}. */
    public List<Long> dataGroupsOn(NodeId node) {
        List<Long> groups = new ArrayList<>();
        for (long group = FIRST_DATA_GROUP; group < FIRST_DATA_GROUP + shards; group++) {
            if (replicasOf(group).contains(node)) {
                groups.add(group);
            }
        }
        return groups;
    }

    /** The slot map the metadata group starts with: epoch 1, the slots split evenly in group order. */
    public SlotMap initialMap() {
        SequencedMap<Long, List<NodeId>> byGroup = new LinkedHashMap<>();
        for (long group = FIRST_DATA_GROUP; group < FIRST_DATA_GROUP + shards; group++) {
            byGroup.put(group, replicasOf(group));
        }
        return SlotMap.evenly(byGroup);
    }

    private List<NodeId> replicasOf(long group) {
        int first = (int) ((group - FIRST_DATA_GROUP) % nodes.size());
        List<NodeId> replicaNodes = new ArrayList<>(replicas);
        for (int k = 0; k < replicas; k++) {
            replicaNodes.add(nodes.get((first + k) % nodes.size()));
        }
        return replicaNodes;
    }
}

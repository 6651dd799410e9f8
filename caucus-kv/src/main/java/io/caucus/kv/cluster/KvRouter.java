package io.caucus.kv.cluster;

import io.caucus.core.NodeStatus;
import io.caucus.kv.command.ClusterCommands;
import io.caucus.kv.command.Reply;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where the RESP front end sends a command: to the one group of a one-group cluster, or, in a sharded cluster, to
 * the group owning the hash slot of the command's keys, answering {@code -MOVED} when another node serves it
 * (docs/multiraft.md, "Redis Cluster protocol").
 */
public interface KvRouter {

    /** Where a command goes. */
    sealed interface Route {
    }

    /** Served by {@code backend}, the group {@code group}'s replica here (0 in a one-group cluster). */
    record Serve(long group, KvBackend backend) implements Route {
    }

    /**
     * Run in each of {@code groups} and the answers combined: a command naming no key whose answer covers a node's
     * part of the key space (DBSIZE, KEYS, FLUSHALL), as a Redis Cluster master answers for its slots.
     */
    record Spread(List<Serve> groups) implements Route {
        public Spread {
            groups = List.copyOf(groups);
        }
    }

    /** Not served here: the client gets {@code error} (MOVED, CLUSTERDOWN) and nothing was applied. */
    record Refuse(Reply.Error error) implements Route {
    }

    /** True if clients are to speak Redis Cluster: keys are checked for one slot and routed by it. */
    boolean sharded();

    /** Where a command whose keys all hash to {@code slot} goes (sharded only). */
    Route route(int slot);

    /**
     * Where a read of {@code slot} goes on a connection that asked for replica reads (READONLY): a replica of the
     * slot's group here serves it whatever its role, at a read index its leader confirms (thesis §6.4.1), so it is
     * as linearizable as a read at the leader.
     */
    default Route routeRead(int slot) {
        return route(slot);
    }

    /**
     * Where a command of {@code slot} goes right after ASKING: to the group the slot is moving to, if it is moving,
     * as Redis Cluster sends a client that got {@code -ASK} (docs/multiraft.md, "Moving slots between groups").
     */
    default Route routeAsking(int slot) {
        return route(slot);
    }

    /**
     * The client's answer for a group's refusal naming another group ({@code ASKGROUP} and {@code MOVEDGROUP}, from a
     * slot move): {@code -ASK} or {@code -MOVED} with that group's leader; any other reply as it is.
     *
     * @param answeredBy the group that refused
     * @return the answer; complete at once unless it depends on whether a move is still under way, which is then
     *         confirmed first (it may complete on another thread)
     */
    default CompletableFuture<Reply.Error> redirect(Reply.Error refusal, long answeredBy) {
        return CompletableFuture.completedFuture(refusal);
    }

    /** Where a command that names no key goes (a one-group cluster: its group). */
    Route keyless(String command);

    /** The replica of {@code group} here, for a request another node forwarded; null if this node has none. */
    KvBackend backend(long group);

    /**
     * Whether {@code group} replicates keys (entries and reads in {@code EntryCodec}'s form, checked before they are
     * proposed), rather than the slot map.
     */
    default boolean holdsKeys(long group) {
        return true;
    }

    /** This node's view, for INFO. */
    NodeStatus status();

    /** The answer to CLUSTER {@code argv[1]} (except KEYSLOT, which needs no cluster). */
    Reply cluster(List<byte[]> argv);

    /** Every command to {@code backend}: a one-group cluster, a plain Redis server to its clients. */
    static KvRouter single(KvBackend backend) {
        Serve serve = new Serve(0, backend);
        return new KvRouter() {
            @Override
            public boolean sharded() {
                return false;
            }

            @Override
            public Route route(int slot) {
                return serve;
            }

            @Override
            public Route keyless(String command) {
                return serve;
            }

            @Override
            public KvBackend backend(long group) {
                return group == 0 ? backend : null;
            }

            @Override
            public NodeStatus status() {
                return backend.status();
            }

            @Override
            public Reply cluster(List<byte[]> argv) {
                return ClusterCommands.CLUSTER_DISABLED;
            }
        };
    }
}

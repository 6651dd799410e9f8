package io.caucus.kv.shard;

import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.kv.slots.SlotMap;
import io.caucus.server.CaucusNode;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spreads the data groups' leaders over the nodes: each group prefers the first of its replicas in the slot map (the
 * layout puts group i's first replica on the i-th node), and a node leading a group it is not preferred for hands the
 * group to the preferred replica (leadership transfer, thesis §3.10) once that replica is active and has the whole
 * log. Elections alone put most leaders on whichever node started first, and then one node takes all the writes.
 *
 * <p>A transfer refuses the group's proposals until it completes, so it is asked only of a replica that is up and
 * caught up, one at a time per node (the next as soon as one completes, else at the next check). A preferred
 * replica that is down keeps nothing from being served: its groups stay with whoever leads them until it is back.
 */
public final class LeaderBalancer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderBalancer.class);
    static final long CHECK_MILLIS = 1000;

    private final NodeId self;
    private final Supplier<SlotMap> map;
    private final Map<Long, CaucusNode> groups;
    private final AtomicBoolean transferring = new AtomicBoolean();
    private final ScheduledExecutorService scheduler;
    private final ScheduledFuture<?> task;

    /** @param groups the data groups replicated here, read at each check (a sharded node changes it as it goes) */
    public LeaderBalancer(NodeId self, Supplier<SlotMap> map, Map<Long, CaucusNode> groups,
                          ScheduledExecutorService scheduler) {
        this.self = self;
        this.map = map;
        this.groups = groups;
        this.scheduler = scheduler;
        this.task = scheduler.scheduleWithFixedDelay(this::balanceOne, CHECK_MILLIS, CHECK_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    /** Hands at most one group this node leads to its preferred replica. */
    void balanceOne() {
        if (transferring.get()) {
            return;
        }
        SlotMap current = map.get();
        for (Map.Entry<Long, CaucusNode> group : groups.entrySet()) {
            if (!current.groups().contains(group.getKey()) || current.replicaMoveOf(group.getKey()).isPresent()) {
                continue; // a moving replica's group changes members: a transfer would only delay that
            }
            NodeId preferred = current.replicasOf(group.getKey()).getFirst();
            CaucusNode node = group.getValue();
            NodeStatus status = node.status();
            if (self.equals(status.leader()) && !preferred.equals(self) && readyToLead(status, preferred)
                    && transferring.compareAndSet(false, true)) {
                LOG.debug("handing group {} to {}, its preferred leader", group.getKey(), preferred);
                node.transferLeadership(preferred).whenComplete((done, failure) -> {
                    transferring.set(false);
                    if (failure == null) {
                        next(); // the next group at once: a node may have a thousand to hand over
                    }
                });
                return;
            }
        }
    }

    private void next() {
        try {
            scheduler.execute(this::balanceOne);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    /** Up (heard from this CheckQuorum period) and holding every entry this leader has. */
    private static boolean readyToLead(NodeStatus status, NodeId candidate) {
        NodeStatus.FollowerStatus follower = status.followers().get(candidate);
        return follower != null && follower.recentlyActive() && follower.matchIndex() >= status.lastIndex()
                && status.configuration().isVoter(candidate);
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}

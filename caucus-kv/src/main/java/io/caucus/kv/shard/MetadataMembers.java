package io.caucus.kv.shard;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.kv.slots.SlotMap;
import io.caucus.server.CaucusNode;
import io.caucus.server.NodeAddresses;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the metadata group's members in step with the cluster file and the slot map, on the metadata group's leader
 * (docs/multiraft.md, "Removing a node"): a node of the file that the group lacks joins it as a learner, so that it
 * follows the map and can take replicas; a node the map removed from the cluster leaves it once it holds no replica,
 * and never comes back. Removing one of an odd number of voters first promotes a learner that answers the leader, if
 * there is one, so the group keeps as many voters as it had (and an odd number: an even one tolerates no more
 * failures than one fewer). One change at a time, each once the last is in force.
 */
public final class MetadataMembers {

    private static final Logger LOG = LoggerFactory.getLogger(MetadataMembers.class);

    /** What the metadata leader does next to its group's members. */
    public sealed interface Step {
        /** Adds a node of the cluster file as a learner. */
        record Admit(NodeId node) implements Step {
        }

        /** Promotes a learner to voter, to take the place of a removed voter. */
        record Promote(NodeId learner, NodeId replacing) implements Step {
        }

        /** Takes a removed node that holds nothing out of the group. */
        record Remove(NodeId node) implements Step {
        }

        /** Nothing to do now. */
        record Wait() implements Step {
        }
    }

    private final NodeId self;
    private final CaucusNode metadataNode;
    private final Supplier<SlotMap> map;
    private final Supplier<List<NodeId>> listed;
    private final Function<NodeId, Optional<NodeAddresses>> addresses;
    private final AtomicBoolean changing = new AtomicBoolean();

    /**
     * @param listed    the nodes of this node's cluster file, as it lists them now (a node added to it joins)
     * @param addresses a listed node's addresses
     */
    public MetadataMembers(NodeId self, CaucusNode metadataNode, Supplier<SlotMap> map,
                           Supplier<List<NodeId>> listed, Function<NodeId, Optional<NodeAddresses>> addresses) {
        this.self = self;
        this.metadataNode = metadataNode;
        this.map = map;
        this.listed = listed;
        this.addresses = addresses;
    }

    /**
     * The next change to the metadata group's {@code members}, a pure function of them, the {@code map} and the
     * cluster file's {@code listed} nodes:
     * <ol>
     *   <li>none while a joint configuration is in force: it completes first (Raft paper §6);</li>
     *   <li>a removed node that holds nothing ({@link SlotMap#holdsNothing}) and is a member leaves: a learner at
     *       once; a voter at once if the voters are even in number, else once a learner that is not removed and
     *       {@code answering} the leader has been promoted (making them even), or at once if there is none (the group
     *       then has one voter fewer); never the last voter;</li>
     *   <li>a listed node that is no member and not removed joins as a learner.</li>
     * </ol>
     * A removed node's holding nothing never changes back (no replica moves to a removed node), so a map that lags
     * the group's leader cannot make this remove a node that still holds a replica.
     */
    public static Step nextStep(ClusterConfiguration members, SlotMap map, List<NodeId> listed,
                                Predicate<NodeId> answering) {
        if (members.isJoint()) {
            return new Step.Wait();
        }
        for (NodeId removed : map.removedNodes()) {
            if (!members.isMember(removed) || !map.holdsNothing(removed)) {
                continue;
            }
            if (!members.isVoter(removed)) {
                return new Step.Remove(removed);
            }
            // Parity is what remembers a promotion made for this removal: without it, each check would promote
            // another learner before the removal.
            Optional<NodeId> replacement = members.voters().size() % 2 == 0 ? Optional.empty()
                    : members.learners().stream()
                            .filter(learner -> !map.removedNodes().contains(learner) && answering.test(learner))
                            .sorted().findFirst();
            if (replacement.isPresent()) {
                return new Step.Promote(replacement.get(), removed);
            }
            if (members.voters().size() > 1) {
                return new Step.Remove(removed);
            }
        }
        return listed.stream().filter(node -> !members.isMember(node) && !map.removedNodes().contains(node))
                .sorted().findFirst().<Step>map(Step.Admit::new).orElse(new Step.Wait());
    }

    /** Takes the next step if this node leads the metadata group and no step of its is under way. */
    public void check() {
        NodeStatus status = metadataNode.status();
        if (!self.equals(status.leader()) || !changing.compareAndSet(false, true)) {
            return;
        }
        Step step = nextStep(status.configuration(), map.get(), listed.get(),
                learner -> ReplicaMover.answering(metadataNode.members(), learner));
        CompletableFuture<String> done = switch (step) {
            case Step.Admit admit -> admit(admit.node());
            case Step.Promote promote -> metadataNode.promote(promote.learner()).thenApply(ignored ->
                    promote.learner() + " votes in the metadata group, in the place of " + promote.replacing()
                            + ", which is removed from the cluster");
            case Step.Remove remove -> metadataNode.remove(remove.node()).thenApply(ignored -> remove.node()
                    + ", removed from the cluster and holding no replica, left the metadata group: it can be "
                    + "stopped, and deleted from every node's cluster file");
            case Step.Wait ignored -> null;
        };
        if (done == null) {
            changing.set(false);
            return;
        }
        done.whenComplete((message, failure) -> {
            changing.set(false);
            if (failure == null) {
                LOG.info(message);
            } else {
                LOG.debug("cannot change the metadata group's members yet ({}): {}", step, failure.toString());
            }
        });
    }

    private CompletableFuture<String> admit(NodeId node) {
        Optional<NodeAddresses> known = addresses.apply(node);
        if (known.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalStateException(node + " has no addresses"));
        }
        return metadataNode.addLearner(node, known.get()).thenApply(ignored -> node + ", listed in the cluster "
                + "file, joined the metadata group as a learner: it follows the slot map from now on");
    }
}

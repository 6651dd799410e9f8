package io.caucus.sim;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.ConfigurationChange;
import io.caucus.core.NodeId;
import io.caucus.server.Membership;
import io.caucus.server.NodeAddresses;
import io.caucus.server.internal.NodeRuntime;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Membership changes (Raft paper §6) and leadership transfers (thesis §3.10) asked of the nodes, as an operator
 * asks a server: through the runtime's membership API, whose answers are traced.
 */
final class MembershipRequests {

    private final Simulation sim;

    MembershipRequests(Simulation sim) {
        this.sim = sim;
    }

    /**
     * The configuration in force at the leader, or with no leader at the live node with the most up-to-date log
     * (the one most likely to win the next election); the initial configuration if no node is up.
     */
    ClusterConfiguration currentConfiguration() {
        Optional<NodeId> leader = sim.leader();
        if (leader.isPresent()) {
            return sim.status(leader.get()).configuration();
        }
        SimNode best = null;
        for (SimNode node : sim.nodes.values()) {
            if (node.isUp() && (best == null || isMoreUpToDate(node, best))) {
                best = node;
            }
        }
        return best == null ? sim.clusterConfiguration : best.status().configuration();
    }

    private static boolean isMoreUpToDate(SimNode a, SimNode b) {
        long lastA = a.core().log().lastIndex();
        long lastB = b.core().log().lastIndex();
        long termA = a.core().log().term(lastA);
        long termB = b.core().log().term(lastB);
        return termA > termB || (termA == termB && lastA > lastB);
    }

    /**
     * Asks {@code at} for a membership change through the runtime's membership API without waiting for it: the
     * future is traced and returned; the configuration in force shows what happened.
     */
    CompletableFuture<Membership> requestConfigurationChange(NodeId at, ConfigurationChange change) {
        NodeRuntime runtime = sim.node(at).runtime();
        CompletableFuture<Membership> answer = switch (change) {
            case ConfigurationChange.AddLearner add ->
                    runtime.addLearner(add.node(), NodeLifecycle.addressOf(add.node()));
            case ConfigurationChange.PromoteLearner promote -> runtime.promote(promote.node());
            case ConfigurationChange.RemoveMember remove -> runtime.remove(remove.node());
            // The simulated network reaches each node at the one address it was given.
            case ConfigurationChange.ChangeAddresses move ->
                    runtime.changeAddresses(move.node(), NodeAddresses.ofRaft(NodeLifecycle.addressOf(move.node())));
        };
        sim.trace.record(sim.events.now(), at, "reconfigure", change + " requested");
        traceAnswer(at, change.toString(), answer);
        return answer;
    }

    /** The future completes once {@code at} learns {@code target} leads. */
    CompletableFuture<Membership> requestTransfer(NodeId at, NodeId target) {
        CompletableFuture<Membership> answer = sim.node(at).runtime().transferLeadership(target);
        sim.trace.record(sim.events.now(), at, "transfer", "to " + target + " requested");
        traceAnswer(at, "transfer to " + target, answer);
        return answer;
    }

    private void traceAnswer(NodeId at, String request, CompletableFuture<Membership> answer) {
        answer.whenComplete((membership, error) -> sim.trace.record(sim.events.now(), at, "answer", request + " -> "
                + (error == null ? "done" : error.toString())));
    }
}

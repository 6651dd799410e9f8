package io.caucus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.RaftOptions;
import io.caucus.core.Role;
import io.caucus.server.MembershipException.Reason;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Membership changes and leadership transfer through the public API, on real nodes (real storage, loopback
 * TCP). Nodes n1-n3 form the cluster; n4 and n5 start later in join mode and are found by the others through
 * the address resolver, as caucus-kv finds them in its cluster file.
 */
class MembershipChangesTest {

    private static final Set<NodeId> FOUNDERS = Set.of(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));

    @TempDir
    Path dataRoot;

    private LocalCluster cluster(int size, RaftOptions options) {
        return cluster(size, options, true);
    }

    /** With {@code foundersResolveNewcomers} false, the founders know only each other, as from their own files. */
    private LocalCluster cluster(int size, RaftOptions options, boolean foundersResolveNewcomers) {
        return new LocalCluster(size, (id, peers, machine) -> CaucusNode.builder()
                .id(id.value())
                .peers(FOUNDERS.contains(id) ? founders(peers) : peers)
                .join(!FOUNDERS.contains(id))
                .addressResolver(node -> foundersResolveNewcomers || !FOUNDERS.contains(id)
                        ? Optional.ofNullable(peers.get(node)) : Optional.empty())
                .dataDirectory(dataRoot.resolve(id.value()))
                .stateMachine(machine)
                .tickInterval(Duration.ofMillis(20))
                .raftOptions(options)
                .requestTimeout(Duration.ofSeconds(10))
                .start());
    }

    private LocalCluster cluster(int size) {
        return cluster(size, RaftOptions.DEFAULTS);
    }

    private static Map<NodeId, InetSocketAddress> founders(Map<NodeId, InetSocketAddress> all) {
        return all.entrySet().stream().filter(e -> FOUNDERS.contains(e.getKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private static LocalCluster startFounders(LocalCluster cluster) {
        FOUNDERS.stream().sorted().forEach(cluster::start);
        return cluster;
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(LocalCluster.WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static Throwable failureOf(CompletableFuture<?> future) {
        try {
            future.get(LocalCluster.WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected the future to fail, but it completed");
    }

    private static MembershipException refusalOf(CompletableFuture<?> future) {
        Throwable failure = failureOf(future);
        assertThat(failure).isInstanceOf(MembershipException.class);
        return (MembershipException) failure;
    }

    private static InetSocketAddress addressOf(LocalCluster cluster, NodeId id) {
        // The resolver of every node knows it; the leader is told explicitly, as an operator would.
        return cluster.peers().get(id);
    }

    @Test
    void aJoiningNodeWaitsAsLearnerCatchesUpIsPromotedThenRemovedWithoutLosingWrites() throws Exception {
        try (LocalCluster cluster = startFounders(cluster(4))) {
            List<String> written = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                cluster.submitAtLeader("before-" + i);
                written.add("before-" + i);
            }
            CaucusNode leader = cluster.awaitLeader();
            NodeId n4 = NodeId.of("n4");
            CaucusNode joiner = cluster.start(n4);
            assertThat(joiner.status().role()).isEqualTo(Role.FOLLOWER);
            assertThat(joiner.members().configuration().isMember(n4)).isFalse();

            Membership added = await(leader.addLearner(n4, addressOf(cluster, n4)));
            assertThat(added.configuration().learners()).containsExactly(n4);
            assertThat(added.member(n4).orElseThrow().part()).isEqualTo(Membership.Part.LEARNER);
            cluster.awaitApplied(n4, written);

            Membership promoted = await(leader.promote(n4));
            assertThat(promoted.configuration().isJoint()).as("done only once C_new is committed").isFalse();
            assertThat(promoted.configuration().voters()).contains(n4).hasSize(4);
            Awaitility.await("n4 to see itself a voter").atMost(LocalCluster.WAIT).pollInterval(LocalCluster.POLL)
                    .until(() -> joiner.status().configuration().voters().contains(n4));
            cluster.submitAtLeader("with-four");
            written.add("with-four");
            cluster.awaitApplied(n4, written);

            Membership removed = await(cluster.awaitLeader().remove(n4));
            assertThat(removed.configuration().voters()).isEqualTo(FOUNDERS);
            assertThat(removed.configuration().learners()).isEmpty();
            assertThat(removed.configuration().addresses().keySet()).as("the founders' addresses, recorded at start")
                    .isEqualTo(FOUNDERS);
            cluster.submitAtLeader("after-removal");
            written.add("after-removal");
            for (NodeId founder : FOUNDERS) {
                cluster.awaitApplied(founder, written);
            }
            assertThat(cluster.awaitLeader().members().configuration().isMember(n4)).isFalse();
        }
    }

    /**
     * Only the leader is told where n4 listens; the other founders never were (n4 is in none of their files).
     * They learn its addresses from the configuration entry, so n4 promoted can win their votes and lead, and a
     * founder redirects clients to n4's client address.
     */
    @Test
    void everyMemberLearnsANewMembersAddressesFromTheLogSoItCanLeadAndBeRedirectedTo() throws Exception {
        try (LocalCluster cluster = startFounders(cluster(4, RaftOptions.DEFAULTS, false))) {
            cluster.submitAtLeader("before-n4");
            CaucusNode leader = cluster.awaitLeader();
            NodeId n4 = NodeId.of("n4");
            InetSocketAddress client4 = InetSocketAddress.createUnresolved("n4-clients.test", 6379);
            InetSocketAddress admin4 = InetSocketAddress.createUnresolved("n4-admin.test", 8080);
            cluster.start(n4);
            await(leader.addLearner(n4, new NodeAddresses(addressOf(cluster, n4), client4, admin4)));
            cluster.awaitApplied(n4, List.of("before-n4"));
            await(leader.promote(n4));
            Membership after = await(cluster.awaitLeader().transferLeadership(n4));
            assertThat(after.leader()).isEqualTo(n4);
            for (NodeId founder : FOUNDERS) {
                Awaitility.await(founder + " to learn n4's address").atMost(LocalCluster.WAIT)
                        .pollInterval(LocalCluster.POLL)
                        .until(() -> cluster.node(founder).members().member(n4)
                                .flatMap(Membership.Member::raftAddress).isPresent());
                assertThat(cluster.node(founder).members().member(n4).orElseThrow().raftAddress().orElseThrow()
                        .getPort()).isEqualTo(addressOf(cluster, n4).getPort());
            }

            cluster.submitAtLeader("n4-leads");
            for (NodeId founder : FOUNDERS) {
                cluster.awaitApplied(founder, List.of("before-n4", "n4-leads"));
                CaucusNode follower = cluster.node(founder);
                assertThat(failureOf(follower.submit("not-here".getBytes(java.nio.charset.StandardCharsets.UTF_8))))
                        .isInstanceOfSatisfying(NotLeaderException.class, e -> {
                            assertThat(e.leader()).isEqualTo(n4);
                            assertThat(e.leaderClientAddress()).contains(client4);
                        });
                assertThat(follower.adminAddress(n4)).contains(admin4);
                assertThat(follower.members().member(n4).orElseThrow().clientAddress()).contains(client4);
            }
        }
    }

    /**
     * n3 moves to another port while stopped; only the log says so (every founder was started with its old
     * address, and no resolver knows better). Once the change commits, n3 receives the log at its new address
     * and, leading, hears from both others: each of them dials it there.
     */
    @Test
    void changedAddressesAreDialledByEveryMember() throws Exception {
        NodeId n3 = NodeId.of("n3");
        InetSocketAddress moved = LocalCluster.freeLoopbackAddress();
        java.util.concurrent.atomic.AtomicBoolean restartMoved = new java.util.concurrent.atomic.AtomicBoolean();
        LocalCluster cluster = new LocalCluster(3, (id, peers, machine) -> {
            Map<NodeId, InetSocketAddress> own = new java.util.HashMap<>(peers);
            if (restartMoved.get() && id.equals(n3)) {
                own.put(n3, moved);
            }
            return CaucusNode.builder().id(id.value()).peers(own).dataDirectory(dataRoot.resolve(id.value()))
                    .stateMachine(machine).tickInterval(Duration.ofMillis(20)).requestTimeout(Duration.ofSeconds(10))
                    .start();
        });
        try (cluster) {
            cluster.startAll();
            cluster.submitAtLeader("before-move");
            cluster.stop(n3);
            CaucusNode leader = cluster.awaitLeader();
            Membership changed = await(leader.changeAddresses(n3, NodeAddresses.ofRaft(moved)));
            assertThat(changed.configuration().voters()).as("every part kept").isEqualTo(FOUNDERS);
            assertThat(changed.configuration().isJoint()).isFalse();
            assertThat(changed.member(n3).orElseThrow().raftAddress().orElseThrow().getPort())
                    .isEqualTo(moved.getPort());
            assertThat(refusalOf(leader.changeAddresses(NodeId.of("n9"), NodeAddresses.ofRaft(moved))).reason())
                    .isEqualTo(Reason.UNKNOWN_MEMBER);

            restartMoved.set(true);
            cluster.start(n3);
            cluster.submitAtLeader("after-move");
            cluster.awaitApplied(n3, List.of("before-move", "after-move"));

            Membership led = await(cluster.awaitLeader().transferLeadership(n3));
            assertThat(led.leader()).isEqualTo(n3);
            cluster.submitAtLeader("n3-leads");
            CaucusNode newLeader = cluster.node(n3);
            Awaitility.await("both others to answer n3 at its new address").atMost(LocalCluster.WAIT)
                    .pollInterval(LocalCluster.POLL).until(() -> {
                        var status = newLeader.status();
                        return status.followers().values().stream().filter(f -> f.matchIndex() == status.lastIndex())
                                .count() == 2;
                    });
        }
    }

    @Test
    void refusalsNameTheirReason() throws Exception {
        try (LocalCluster cluster = startFounders(cluster(4, RaftOptions.DEFAULTS.withMaxLearnerLagEntries(0)))) {
            // A new leader refuses changes until it has committed an entry of its term (thesis §4.1).
            cluster.submitAtLeader("first");
            CaucusNode leader = cluster.awaitLeader();
            NodeId n4 = NodeId.of("n4");
            NodeId stranger = NodeId.of("n9");

            assertThat(refusalOf(leader.promote(stranger)))
                    .returns(Reason.UNKNOWN_MEMBER, MembershipException::reason)
                    .returns(stranger, MembershipException::node)
                    .hasMessageContaining("n9");
            assertThat(refusalOf(leader.remove(stranger)).reason()).isEqualTo(Reason.UNKNOWN_MEMBER);
            assertThat(refusalOf(leader.addLearner(leader.id(), addressOf(cluster, leader.id()))).reason())
                    .isEqualTo(Reason.ALREADY_MEMBER);
            assertThat(refusalOf(leader.transferLeadership(stranger)).reason()).isEqualTo(Reason.UNKNOWN_MEMBER);

            CaucusNode follower = cluster.runningNodes().stream().filter(n -> !n.id().equals(leader.id()))
                    .findFirst().orElseThrow();
            Throwable notLeader = failureOf(follower.addLearner(n4, addressOf(cluster, n4)));
            assertThat(notLeader).isInstanceOf(NotLeaderException.class);
            assertThat(((NotLeaderException) notLeader).leader()).isEqualTo(leader.id());

            // Two changes back to back: the first is not committed when the second arrives.
            CompletableFuture<Membership> first = leader.addLearner(n4, addressOf(cluster, n4));
            CompletableFuture<Membership> second = leader.remove(leader.id());
            assertThat(refusalOf(second).reason()).isEqualTo(Reason.CHANGE_IN_PROGRESS);
            assertThat(await(first).configuration().learners()).containsExactly(n4);

            // n4 is not running, so it is as far behind as a learner can be.
            cluster.submitAtLeader("something-to-lag-behind");
            assertThat(refusalOf(leader.promote(n4)))
                    .returns(Reason.LEARNER_BEHIND, MembershipException::reason)
                    .returns(true, MembershipException::outcomeKnown);
            assertThat(await(leader.remove(n4)).configuration().isMember(n4)).isFalse();
        }
    }

    @Test
    void aLearnerWhoseAddressTheConfigurationLacksIsNotPromoted() throws Exception {
        // A learner without an address in the log, as a version that did not replicate addresses left it.
        for (NodeId founder : FOUNDERS) {
            Path directory = Files.createDirectories(dataRoot.resolve(founder.value()));
            Files.writeString(directory.resolve("bootstrap-configuration"), "voters=n1,n2,n3\nlearners=n4\n");
        }
        NodeId n4 = NodeId.of("n4");
        try (LocalCluster cluster = startFounders(cluster(4, RaftOptions.DEFAULTS.withMaxLearnerLagEntries(0)))) {
            CaucusNode leader = cluster.awaitLeader();
            assertThat(leader.members().configuration().learners()).containsExactly(n4);
            assertThat(refusalOf(leader.promote(n4)))
                    .returns(Reason.ADDRESS_UNKNOWN, MembershipException::reason)
                    .returns(n4, MembershipException::node)
                    .hasMessageContaining("add it again with its address");
            assertThat(leader.members().configuration().learners()).containsExactly(n4);

            // Added again with its address, it is held back only by its lag (it is not running).
            await(leader.remove(n4));
            await(leader.addLearner(n4, addressOf(cluster, n4)));
            cluster.submitAtLeader("something-to-lag-behind");
            assertThat(refusalOf(leader.promote(n4)).reason()).isEqualTo(Reason.LEARNER_BEHIND);
        }
    }

    @Test
    void leadershipMovesToTheTargetAndWritesContinue() throws Exception {
        try (LocalCluster cluster = startFounders(cluster(3))) {
            cluster.submitAtLeader("before-transfer");
            CaucusNode leader = cluster.awaitLeader();
            NodeId target = FOUNDERS.stream().filter(id -> !id.equals(leader.id())).sorted().findFirst().orElseThrow();
            Membership after = await(leader.transferLeadership(target));
            assertThat(after.leader()).isEqualTo(target);
            assertThat(cluster.awaitLeader().id()).isEqualTo(target);
            cluster.submitAtLeader("after-transfer");
            for (NodeId id : FOUNDERS) {
                cluster.awaitApplied(id, List.of("before-transfer", "after-transfer"));
            }
            // Transferring to the leader itself is already done.
            assertThat(await(cluster.node(target).transferLeadership(target)).leader()).isEqualTo(target);
        }
    }

    @Test
    void theLeaderCanRemoveItselfAndStepsDownOnceTheChangeIsCommitted() throws Exception {
        try (LocalCluster cluster = startFounders(cluster(3))) {
            cluster.submitAtLeader("w1");
            CaucusNode leader = cluster.awaitLeader();
            Membership after = await(leader.remove(leader.id()));
            assertThat(after.configuration().voters()).hasSize(2).doesNotContain(leader.id());
            Awaitility.await("the removed leader to step down").atMost(LocalCluster.WAIT)
                    .pollInterval(LocalCluster.POLL).until(() -> leader.status().role() != Role.LEADER);
            cluster.stop(leader.id());
            cluster.submitAtLeader("w2");
            CaucusNode next = cluster.awaitLeader();
            assertThat(next.id()).isNotEqualTo(leader.id());
            assertThat(next.members().configuration().voters()).hasSize(2);
        }
    }
}

package io.caucus.chaos;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * Membership changes made the way an operator makes them: HTTP requests to the admin endpoints of a random live
 * node, which forwards them to the leader. Every request's outcome is recorded: OK (committed), REFUSED (the
 * node said no, or nothing could be sent: nothing changed), UNKNOWN (504, or no answer after sending: it may
 * still take effect). A refused or unknown change is not an anomaly; the checks after healing decide.
 *
 * <p>Node ids are reused only for a wiped node: a removed voter is killed, its data deleted, and it rejoins under
 * the same id with {@code --join}, as learner and then voter. Invariant: a node is wiped only once its removal is
 * known committed (an answered DELETE, or a leader whose commit index covers the configuration it reported);
 * wiping a node that might still vote would be amnesia, which Raft does not tolerate, and a lost write found
 * afterwards would be the tester's fault.
 */
final class MembershipOperator {

    enum Result { OK, REFUSED, UNKNOWN }

    /** One admin request and how it ended. */
    record Change(long atMicros, String request, String via, Result result, String detail) {
        @Override
        public String toString() {
            return String.format("%8.1fs %-32s via %-4s %-8s %s", atMicros / 1e6, request, via,
                    result.name().toLowerCase(java.util.Locale.ROOT), detail);
        }
    }

    /** The configuration as the leader that reported it sees it (its latest, perhaps not yet committed). */
    record Membership(String leader, long term, boolean joint, List<String> voters, List<String> learners) {
        boolean isMember(String id) {
            return voters.contains(id) || learners.contains(id);
        }

        boolean allVoters(List<String> ids) {
            return !joint && learners.isEmpty() && Set.copyOf(voters).equals(Set.copyOf(ids));
        }
    }

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    private final ChaosCluster cluster;
    private final ChaosHistory history;
    private final Random random;
    private final List<Change> changes = Collections.synchronizedList(new ArrayList<>());
    /** Nodes wiped and started with --join since they last were voters: they need adding, not wiping. */
    private final Set<String> rejoining = new HashSet<>();

    MembershipOperator(ChaosCluster cluster, ChaosHistory history, Random random) {
        this.cluster = cluster;
        this.history = history;
        this.random = random;
    }

    List<Change> changes() {
        return List.copyOf(changes);
    }

    Change remove(String member) {
        return send("DELETE /members/" + member, via -> cluster.admin(via, "DELETE", "/members/" + member,
                REQUEST_TIMEOUT));
    }

    Change add(String member) {
        return send("POST /members " + member, via -> cluster.addMember(via, member, REQUEST_TIMEOUT));
    }

    Change promote(String member) {
        return send("POST /members/" + member + "/promote", via -> cluster.admin(via, "POST",
                "/members/" + member + "/promote", REQUEST_TIMEOUT));
    }

    Change transfer(String to) {
        return send("POST /leader/transfer?to=" + to, via -> cluster.admin(via, "POST", "/leader/transfer?to=" + to,
                REQUEST_TIMEOUT));
    }

    /**
     * Removes {@code victim}; if that is committed, wipes it, starts it with --join, adds it as a learner and
     * promotes it once caught up, retrying LEARNER_BEHIND until {@code budget} runs out. Whatever is left undone
     * is for {@link #restoreAll}.
     */
    void removeAndRejoin(String victim, Duration budget) throws InterruptedException {
        long endNanos = System.nanoTime() + budget.toNanos();
        if (remove(victim).result() != Result.OK) {
            return;
        }
        cluster.wipeAndStartJoining(victim);
        rejoining.add(victim);
        if (add(victim).result() != Result.OK) {
            return;
        }
        while (System.nanoTime() < endNanos) {
            Change promoted = promote(victim);
            if (promoted.result() != Result.REFUSED || !promoted.detail().startsWith("LEARNER_BEHIND")) {
                return;
            }
            Thread.sleep(500); // retry interval for a learner still catching up, bounded by the budget
        }
    }

    /**
     * Brings every node back as a voter: a node that is not a member is wiped (once its removal is committed)
     * and rejoins, a learner is promoted. Returns the final membership, or empty if that did not happen by the
     * deadline.
     */
    Optional<Membership> restoreAll(Duration deadline) throws InterruptedException {
        long endNanos = System.nanoTime() + deadline.toNanos();
        List<String> ids = cluster.ids();
        while (System.nanoTime() < endNanos) {
            Optional<Membership> seen = committedMembership();
            if (seen.isPresent() && seen.get().allVoters(ids)) {
                rejoining.clear();
                return seen;
            }
            if (seen.isPresent() && !seen.get().joint()) {
                restoreStep(seen.get(), ids);
            }
            Thread.sleep(500); // between rounds of admin requests, bounded by the deadline
        }
        return Optional.empty();
    }

    private void restoreStep(Membership membership, List<String> ids) throws InterruptedException {
        for (String id : ids) {
            if (!membership.isMember(id)) {
                if (rejoining.add(id)) {
                    cluster.wipeAndStartJoining(id);
                }
                add(id);
                return;
            }
        }
        for (String learner : membership.learners()) {
            promote(learner);
            return;
        }
    }

    /**
     * The leader's configuration, once its commit index covers every entry it had when it reported it: so the
     * configuration is committed (only this operator changes membership, and it waits here).
     */
    Optional<Membership> committedMembership() {
        for (String id : liveNodesShuffled()) {
            Optional<Membership> membership = cluster.members(id).flatMap(MembershipOperator::parse);
            if (membership.isEmpty() || membership.get().leader() == null) {
                continue;
            }
            String leader = membership.get().leader();
            Optional<Map<String, Object>> before = cluster.status(leader);
            if (before.isEmpty() || !isLeaderInTerm(before.get(), membership.get().term())) {
                return Optional.empty();
            }
            long lastIndex = ((Number) before.get().get("lastIndex")).longValue();
            Optional<Map<String, Object>> after = cluster.status(leader);
            if (after.isPresent() && isLeaderInTerm(after.get(), membership.get().term())
                    && ((Number) after.get().get("commit")).longValue() >= lastIndex) {
                return membership;
            }
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static boolean isLeaderInTerm(Map<String, Object> status, long term) {
        return "leader".equals(status.get("role")) && ((Number) status.get("term")).longValue() == term;
    }

    static Optional<Membership> parse(Map<String, Object> json) {
        Object leader = json.get("leader");
        return Optional.of(new Membership(leader == null ? null : leader.toString(),
                ((Number) json.get("term")).longValue(), Boolean.TRUE.equals(json.get("joint")),
                strings(json.get("voters")), strings(json.get("learners"))));
    }

    private static List<String> strings(Object list) {
        return list instanceof List<?> items ? items.stream().map(Object::toString).toList() : List.of();
    }

    /** One admin call to a node. */
    private interface Call {
        HttpResponse<String> send(String via) throws IOException, InterruptedException;
    }

    private Change send(String request, Call call) {
        long at = history.nowMicros();
        List<String> live = liveNodesShuffled();
        if (live.isEmpty()) {
            return record(new Change(at, request, "-", Result.REFUSED, "no live node to ask: nothing sent"));
        }
        String via = live.get(0);
        try {
            HttpResponse<String> response = call.send(via);
            String body = response.body().strip();
            Result result = switch (response.statusCode()) {
                case 200 -> Result.OK;
                case 504 -> Result.UNKNOWN;
                default -> Result.REFUSED;
            };
            String detail = result == Result.OK ? summarize(body)
                    : ChaosCluster.parseJson(body).map(error -> error.get("error") + ": " + error.get("message"))
                            .orElse("HTTP " + response.statusCode() + " " + body);
            return record(new Change(at, request, via, result, detail));
        } catch (ConnectException e) {
            return record(new Change(at, request, via, Result.REFUSED, "cannot connect: nothing sent"));
        } catch (IOException e) {
            return record(new Change(at, request, via, Result.UNKNOWN, "no answer: " + e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return record(new Change(at, request, via, Result.UNKNOWN, "interrupted while waiting"));
        }
    }

    private static String summarize(String body) {
        return ChaosCluster.parseJson(body).map(json -> "leader " + json.get("leader") + ", voters "
                + json.get("voters") + ", learners " + json.get("learners")).orElse(body);
    }

    private Change record(Change change) {
        changes.add(change);
        return change;
    }

    private List<String> liveNodesShuffled() {
        List<String> live = new ArrayList<>(cluster.ids().stream().filter(cluster::isLive).toList());
        Collections.shuffle(live, random);
        return live;
    }
}

package io.caucus.sim;

import static io.caucus.sim.Scenarios.appendWithEntriesFrom;
import static io.caucus.sim.Scenarios.n;
import static io.caucus.sim.Scenarios.proposeAccepted;
import static io.caucus.sim.Scenarios.register;
import static io.caucus.sim.Scenarios.voteRequestFromOtherThan;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.LogEntry;
import io.caucus.core.Role;
import io.caucus.core.message.AppendEntries;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Figure 8 of the Raft paper (§5.4.2), replayed on five real nodes with the caucus no-op at the start of each
 * term. Entries of an earlier term are never committed by counting replicas: X, written at index 2 in term
 * t1, reaches a majority under the term-t3 leader and is still not committed; it is either overwritten by a
 * later leader (d1) or committed together with an entry of the leader's current term (d2).
 */
class Figure8ScenarioTest {

    private static final class Figure8 {
        Simulation sim;
        LogEntry x;
        long t1;
        long t2;
        long t3;
    }

    /** Runs (a), (b) and (c) of Figure 8. */
    private static Figure8 upToSituationC() {
        Figure8 f = new Figure8();
        // One entry per AppendEntries, so that the no-op of (c) can be held back while X goes through.
        Simulation sim = new Simulation(SimConfig.of(8, 5).withOptions(SimConfig.SIM_OPTIONS.withMaxBatchBytes(1)));
        f.sim = sim;

        // (a) n1 leads term t1 and replicates X at index 2 to n2 only.
        sim.dropMessages(m -> voteRequestFromOtherThan(m, n(1)));
        sim.awaitLeaderAmong(List.of(n(1)), 100);
        f.t1 = sim.status(n(1)).term();
        sim.awaitAllApplied(1, 50);
        sim.dropMessages(m -> voteRequestFromOtherThan(m, n(1))
                || (appendWithEntriesFrom(m, n(1)) && !m.to().equals(n(2))));
        long index = proposeAccepted(sim, n(1), register());
        assertThat(index).isEqualTo(2);
        assertThat(sim.runUntil(() -> sim.node(n(2)).disk().log().lastIndex() >= 2, 20)).isTrue();
        f.x = sim.node(n(2)).disk().log().entries(2, 3, Long.MAX_VALUE).get(0);
        sim.crash(n(1));

        // (b) n5 is elected for term t2 by n3, n4 and itself, and holds its no-op at index 2 alone.
        sim.dropMessages(m -> voteRequestFromOtherThan(m, n(5)) || appendWithEntriesFrom(m, n(5)));
        sim.awaitLeaderAmong(List.of(n(5)), 200);
        f.t2 = sim.status(n(5)).term();
        assertThat(sim.runUntil(() -> sim.node(n(5)).disk().log().lastIndex() >= 2, 20)).isTrue();
        assertThat(sim.node(n(5)).disk().log().term(2)).isEqualTo(f.t2);
        sim.crash(n(5));

        // (c) n1 restarts and is elected for term t3; it replicates X to n3 and n4, but its own no-op (index 3)
        // is delivered only to followers that cannot take it yet (they lack index 2 and reject it).
        sim.restart(n(1));
        sim.dropMessages(m -> voteRequestFromOtherThan(m, n(1))
                || (m instanceof AppendEntries append && append.from().equals(n(1))
                    && append.entries().stream().anyMatch(e -> e.index() >= 3)
                    && sim.node(append.to()).isUp()
                    && sim.node(append.to()).core().log().lastIndex() >= 2));
        sim.awaitLeaderAmong(List.of(n(1)), 300);
        f.t3 = sim.status(n(1)).term();
        assertThat(f.t3).isGreaterThan(f.t2);
        assertThat(sim.runUntil(() -> sim.node(n(3)).core().log().lastIndex() >= 2
                && sim.node(n(4)).core().log().lastIndex() >= 2, 50)).isTrue();
        return f;
    }

    @Test
    void anEarlierTermEntryOnAMajorityIsNotCommittedByCountingAndIsOverwritten() {
        Figure8 f = upToSituationC();
        Simulation sim = f.sim;
        for (int i = 1; i <= 4; i++) {
            assertThat(sim.node(n(i)).core().log().term(2)).as("X is held by n%d", i).isEqualTo(f.t1);
        }
        sim.runFor(30);
        assertThat(sim.status(n(1)).role()).isEqualTo(Role.LEADER);
        assertThat(sim.status(n(1)).term()).isEqualTo(f.t3);
        assertThat(sim.status(n(1)).commitIndex()).as("X is on 4 of 5 nodes but not committed").isEqualTo(1);
        assertThat(sim.committedEntry(2)).isNull();

        // (d1) n1 crashes; n5, whose last entry (term t2) is newer than X's term t1, wins and overwrites X.
        sim.crash(n(1));
        sim.restart(n(5));
        sim.dropMessages(m -> voteRequestFromOtherThan(m, n(5)));
        sim.awaitLeaderAmong(List.of(n(5)), 300);
        sim.stopDroppingMessages();
        sim.awaitAllApplied(3, 100);
        assertThat(sim.committedEntry(2).term()).as("index 2 holds n5's term-t2 no-op").isEqualTo(f.t2);
        assertThat(sim.committedEntry(2)).isNotEqualTo(f.x);
        for (int i = 2; i <= 5; i++) {
            assertThat(sim.node(n(i)).core().log().term(2)).isEqualTo(f.t2);
        }
    }

    @Test
    void anEarlierTermEntryCommitsOnceAnEntryOfTheCurrentTermCommits() {
        Figure8 f = upToSituationC();
        Simulation sim = f.sim;
        assertThat(sim.committedEntry(2)).isNull();

        // (d2) n1's no-op of term t3 reaches the majority: it commits, and X (index 2) with it.
        sim.stopDroppingMessages();
        sim.awaitAllApplied(3, 100);
        assertThat(sim.committedEntry(2)).isEqualTo(f.x);
        assertThat(sim.committedEntry(3).term()).isEqualTo(f.t3);
        assertThat(sim.leader()).contains(n(1));
    }
}

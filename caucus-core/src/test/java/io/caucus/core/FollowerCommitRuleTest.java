package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.message.AppendEntries;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The follower's commit rule (§5.3, Figure 2, AppendEntries receiver step 5): commit up to
 * {@code min(leaderCommit, index of the last new entry)}, never further into the follower's own log. The rule sits
 * on the follower so that its safety does not rest on how the leader backtracks, batches or sends snapshots: a
 * message whose entries all match may stop short of a divergent older-term suffix the follower still holds, and
 * the leader's commit index may lie beyond that message.
 */
class FollowerCommitRuleTest {

    private static final NodeId LEADER = NodeId.of("n1");
    private static final NodeId FOLLOWER = NodeId.of("n2");
    private static final ClusterConfiguration CONFIGURATION = ClusterConfiguration.ofVoters("n1", "n2", "n3");

    private static InMemoryLog logOf(long... terms) {
        InMemoryLog log = new InMemoryLog(CONFIGURATION);
        List<LogEntry> entries = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            entries.add(entry(terms[i], i + 1));
        }
        log.append(entries);
        return log;
    }

    private static LogEntry entry(long term, long index) {
        return LogEntry.command(term, index, ("t" + term + "i" + index).getBytes());
    }

    private static RaftNode follower(InMemoryLog log, long term, long commitIndex) {
        return RaftNode.start(FOLLOWER, CONFIGURATION, RaftOptions.DEFAULTS, new HardState(term, null, commitIndex),
                log, commitIndex, new SplittableRandom(1));
    }

    /**
     * The follower holds 1-3 of term 1 (as the leader does) and a term-2 suffix 4-6 the leader of term 3 never had.
     * The leader sends 2-3, which match, with leaderCommit 5 (its own 4-5 of term 3 are committed elsewhere).
     */
    @Test
    void aMatchingMessageThatStopsBeforeADivergentSuffixCommitsOnlyUpToItsLastEntry() {
        RaftNode node = follower(logOf(1, 1, 1, 2, 2, 2), 2, 1);
        node.step(new AppendEntries(LEADER, FOLLOWER, 3, 1, 1, List.of(entry(1, 2), entry(1, 3)), 5));
        assertThat(node.status().commitIndex()).as("committed up to the message's last entry, not into 4-6")
                .isEqualTo(3);
        assertThat(node.log().term(4)).as("the suffix is not touched by a message that does not reach it")
                .isEqualTo(2);
    }

    @Test
    void anEmptyMessageCommitsOnlyUpToItsPrevIndex() {
        RaftNode node = follower(logOf(1, 1, 1, 2, 2, 2), 2, 1);
        node.step(new AppendEntries(LEADER, FOLLOWER, 3, 3, 1, List.of(), 6));
        assertThat(node.status().commitIndex()).isEqualTo(3);
    }

    /**
     * Any follower log and any well-formed message of a leader whose log shares a prefix with it: afterwards every
     * committed entry is the leader's, and the commit index is exactly what §5.3 allows.
     */
    @Property(tries = 1000)
    void theFollowerCommitsOnlyEntriesItSharesWithTheLeader(@ForAll long seed,
                                                             @ForAll @IntRange(min = 0, max = 6) int shared,
                                                             @ForAll @IntRange(min = 0, max = 6) int leaderMore,
                                                             @ForAll @IntRange(min = 0, max = 6) int followerMore) {
        SplittableRandom random = new SplittableRandom(seed);
        // Shared prefix of term 1; after it the leader's terms are even and the follower's odd, so the two logs
        // differ at every index past the prefix and never hold one (index, term) with different entries.
        long[] leaderTerms = terms(random, shared, leaderMore, 2);
        long[] followerTerms = terms(random, shared, followerMore, 3);
        InMemoryLog leaderLog = logOf(leaderTerms);
        long leaderTerm = 2 * (leaderMore + followerMore) + 4;
        long followerCommit = random.nextInt(shared + 1); // committed entries are on every later leader (§5.4)
        long followerTerm = followerTerms.length == 0 ? 1 : followerTerms[followerTerms.length - 1];
        RaftNode node = follower(logOf(followerTerms), followerTerm, followerCommit);

        long prevIndex = random.nextInt(leaderTerms.length + 1);
        int count = random.nextInt((int) (leaderTerms.length - prevIndex) + 1);
        long leaderCommit = random.nextInt(leaderTerms.length + 1);
        List<LogEntry> entries = count == 0 ? List.of() : leaderLog.entries(prevIndex + 1, prevIndex + count + 1,
                Long.MAX_VALUE);
        node.step(new AppendEntries(LEADER, FOLLOWER, leaderTerm, prevIndex, leaderLog.term(prevIndex), entries,
                leaderCommit));

        long commit = node.status().commitIndex();
        for (long index = 1; index <= commit; index++) {
            assertThat(node.log().entries(index, index + 1, Long.MAX_VALUE)).as("committed entry %d", index)
                    .containsExactly(leaderLog.get(index));
        }
        boolean accepted = prevIndex < followerCommit
                || (prevIndex <= followerTerms.length && termOf(followerTerms, prevIndex) == leaderLog.term(prevIndex));
        long expected = prevIndex < followerCommit || !accepted ? followerCommit
                : Math.max(followerCommit, Math.min(leaderCommit, prevIndex + count));
        assertThat(commit).isEqualTo(expected);
    }

    private static long[] terms(SplittableRandom random, int shared, int more, long firstOwnTerm) {
        long[] terms = new long[shared + more];
        long term = firstOwnTerm;
        for (int i = 0; i < terms.length; i++) {
            if (i < shared) {
                terms[i] = 1;
            } else {
                terms[i] = term;
                term += random.nextInt(2) * 2; // stays even or odd, never decreases
            }
        }
        return terms;
    }

    private static long termOf(long[] terms, long index) {
        return index == 0 ? 0 : terms[(int) index - 1];
    }
}

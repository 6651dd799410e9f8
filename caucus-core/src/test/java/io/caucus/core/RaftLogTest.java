package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The node's view of its log at its edges: where the durable log ends and the unstable tail begins, the guards
 * that keep committed entries and the applied state safe (§5.3, §5.4, §7), and the term lookups the leader's
 * backtracking rests on (§5.3, end).
 */
class RaftLogTest {

    private static final ClusterConfiguration CONFIGURATION = ClusterConfiguration.ofVoters("n1", "n2", "n3");

    /** An entry of {@code size} payload bytes, so that byte limits can be placed between entries. */
    private static LogEntry entry(long term, long index, int size) {
        return LogEntry.command(term, index, new byte[size]);
    }

    private static List<LogEntry> entries(long firstIndex, long... terms) {
        List<LogEntry> out = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            out.add(entry(terms[i], firstIndex + i, 10));
        }
        return out;
    }

    private static InMemoryLog durable(long... terms) {
        InMemoryLog log = new InMemoryLog(CONFIGURATION);
        log.append(entries(1, terms));
        return log;
    }

    private static SnapshotMetadata snapshot(long index, long term) {
        return new SnapshotMetadata(index, term, CONFIGURATION);
    }

    @Test
    void aStateMachineAheadOfTheCommitIndexIsRefusedAtStart() {
        assertThatThrownBy(() -> new RaftLog(durable(1, 1, 1), 1, 2)).isInstanceOf(InvariantViolation.class);
        assertThat(new RaftLog(durable(1, 1, 1), 2, 2).applied()).isEqualTo(2);
    }

    @Test
    void appendNeverTruncatesACommittedEntryNorLeavesAGap() {
        RaftLog log = new RaftLog(durable(1, 1, 1), 2, 0);
        assertThatThrownBy(() -> log.append(entries(2, 2))).isInstanceOf(InvariantViolation.class);
        assertThatThrownBy(() -> log.append(entries(5, 2))).isInstanceOf(InvariantViolation.class);
        log.append(entries(3, 2));
        log.append(entries(4, 2));
        assertThat(log.lastIndex()).isEqualTo(4);
        assertThat(log.term(3)).isEqualTo(2);
    }

    @Test
    void theCommitIndexRisesOnlyAndNeverPastTheLastIndex() {
        RaftLog log = new RaftLog(durable(1, 1, 1), 2, 0);
        assertThat(log.commitTo(2)).as("the same commit index is no news").isFalse();
        assertThat(log.commitTo(1)).isFalse();
        assertThat(log.committed()).isEqualTo(2);
        assertThatThrownBy(() -> log.commitTo(4)).isInstanceOf(InvariantViolation.class);
        assertThat(log.commitTo(3)).isTrue();
    }

    @Test
    void onlyWhatWasHandedOutCanBeReportedApplied() {
        RaftLog log = new RaftLog(durable(1, 1, 1), 3, 0);
        assertThat(log.takeEntriesToApply(Long.MAX_VALUE)).hasSize(3);
        assertThatThrownBy(() -> log.appliedTo(4)).isInstanceOf(InvariantViolation.class);
        log.appliedTo(3);
        log.appliedTo(1);
        assertThat(log.applied()).as("the applied index never goes back").isEqualTo(3);
    }

    @Test
    void compactionMustGoPastTheSnapshotAndStayWithinTheAppliedEntries() {
        RaftLog log = new RaftLog(durable(1, 1, 1, 1), 4, 0);
        log.takeEntriesToApply(Long.MAX_VALUE);
        log.appliedTo(3);
        assertThatThrownBy(() -> log.compact(snapshot(4, 1))).isInstanceOf(InvariantViolation.class);
        log.compact(snapshot(3, 1));
        assertThat(log.firstIndex()).isEqualTo(4);
        assertThatThrownBy(() -> log.compact(snapshot(3, 1))).isInstanceOf(InvariantViolation.class);
        assertThat(log.takeSnapshotToPersist()).isEqualTo(snapshot(3, 1));
    }

    @Test
    void anInstalledSnapshotEndingInTheUnstableTailKeepsTheEntriesAfterIt() {
        RaftLog log = new RaftLog(durable(1, 1), 0, 0);
        log.append(entries(3, 1, 1, 2));
        log.installSnapshot(snapshot(3, 1));
        assertThat(log.firstIndex()).isEqualTo(4);
        assertThat(log.lastIndex()).isEqualTo(5);
        assertThat(log.term(5)).isEqualTo(2);
        assertThat(log.takeUnpersisted()).extracting(LogEntry::index).containsExactly(4L, 5L);
        assertThat(log.committed()).isEqualTo(3);
    }

    @Test
    void anInstalledSnapshotPastTheFirstUnstableEntryDropsTheCoveredOnes() {
        RaftLog log = new RaftLog(durable(1, 1), 0, 0);
        log.append(entries(3, 1, 1, 2));
        log.installSnapshot(snapshot(4, 1));
        assertThat(log.firstIndex()).isEqualTo(5);
        assertThat(log.entries(5, 6, Long.MAX_VALUE)).extracting(LogEntry::term).containsExactly(2L);
    }

    @Test
    void anInstalledSnapshotThatConflictsDiscardsTheUnstableTail() {
        RaftLog log = new RaftLog(durable(1, 1), 0, 0);
        log.append(entries(3, 1, 1, 2));
        log.installSnapshot(snapshot(4, 3));
        assertThat(log.lastIndex()).isEqualTo(4);
        assertThat(log.lastTerm()).isEqualTo(3);
        assertThat(log.takeUnpersisted()).isEmpty();
    }

    @Test
    void aSnapshotAtOrBelowTheCommitIndexIsNotInstalled() {
        RaftLog log = new RaftLog(durable(1, 1, 1), 2, 0);
        assertThatThrownBy(() -> log.installSnapshot(snapshot(2, 1))).isInstanceOf(InvariantViolation.class);
    }

    @Test
    void entriesAcrossTheDurableLogAndTheUnstableTailStopAtTheByteLimit() {
        RaftLog log = new RaftLog(durable(1, 1, 1), 0, 0);
        log.append(entries(4, 2, 2, 2));
        long each = entry(1, 1, 10).sizeBytes();
        assertThat(log.entries(2, 7, 2 * each)).extracting(LogEntry::index).containsExactly(2L, 3L);
        assertThat(log.entries(2, 7, 3 * each)).extracting(LogEntry::index).containsExactly(2L, 3L, 4L);
        assertThat(log.entries(2, 7, 3 * each - 1)).extracting(LogEntry::index).containsExactly(2L, 3L);
        assertThat(log.entries(3, 7, 1)).extracting(LogEntry::index).containsExactly(3L);
        assertThat(log.entries(4, 7, 1)).as("at least one entry, even from the unstable tail")
                .extracting(LogEntry::index).containsExactly(4L);
        assertThat(log.entries(4, 7, 2 * each)).extracting(LogEntry::index).containsExactly(4L, 5L);
        assertThat(log.entries(4, 7, 2 * each + 1)).extracting(LogEntry::index).containsExactly(4L, 5L);
        assertThat(log.entries(1, 7, Long.MAX_VALUE)).hasSize(6);
        assertThatThrownBy(() -> log.entries(1, 8, Long.MAX_VALUE)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void termOrMissingSaysWhatTheLogHolds() {
        RaftLog log = new RaftLog(durable(1, 2, 2), 0, 0);
        assertThat(log.termOrMissing(3)).isEqualTo(2);
        assertThat(log.termOrMissing(0)).isZero();
        assertThat(log.termOrMissing(4)).isEqualTo(-1);
        assertThat(log.matchesTerm(2, 2)).isTrue();
        assertThat(log.matchesTerm(2, 1)).isFalse();
    }

    @Test
    void theFirstIndexOfATermRunStopsAtTheFloorAndAtTheSnapshot() {
        RaftLog log = new RaftLog(durable(1, 1, 2, 2, 2, 3), 0, 0);
        assertThat(log.firstIndexOfTermAt(5, 1)).isEqualTo(3);
        assertThat(log.firstIndexOfTermAt(5, 4)).isEqualTo(4);
        assertThat(log.firstIndexOfTermAt(5, 5)).isEqualTo(5);
        assertThat(log.firstIndexOfTermAt(2, 1)).isEqualTo(1);
        assertThat(log.firstIndexOfTermAt(6, 1)).isEqualTo(6);

        InMemoryLog compacted = durable(2, 2, 2, 2);
        compacted.installSnapshot(snapshot(2, 2));
        RaftLog afterSnapshot = new RaftLog(compacted, 2, 2);
        assertThat(afterSnapshot.firstIndexOfTermAt(4, 0)).as("not below the first index held").isEqualTo(3);
    }

    @Test
    void theLastIndexOfATermLooksBackFromTheGivenIndex() {
        RaftLog log = new RaftLog(durable(1, 1, 2, 2, 4, 4), 0, 0);
        assertThat(log.lastIndexOfTerm(2, 6)).isEqualTo(4);
        assertThat(log.lastIndexOfTerm(2, 3)).isEqualTo(3);
        assertThat(log.lastIndexOfTerm(1, 6)).isEqualTo(2);
        assertThat(log.lastIndexOfTerm(4, 9)).as("capped at the last index").isEqualTo(6);
        assertThat(log.lastIndexOfTerm(3, 6)).as("a term the log skipped").isEqualTo(-1);
        assertThat(log.lastIndexOfTerm(5, 6)).isEqualTo(-1);

        InMemoryLog compacted = durable(1, 1, 2, 2);
        compacted.installSnapshot(snapshot(2, 1));
        RaftLog afterSnapshot = new RaftLog(compacted, 2, 2);
        assertThat(afterSnapshot.lastIndexOfTerm(1, 4)).as("entries of the term are compacted away").isEqualTo(-1);
    }
}

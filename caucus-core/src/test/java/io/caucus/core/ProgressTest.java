package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProgressTest {

    private static Progress replicating(int maxMessages, long maxBytes) {
        Progress progress = new Progress(1, maxMessages, maxBytes);
        progress.acknowledge(0); // no news: stays in probe
        assertThat(progress.state()).isEqualTo(Progress.State.PROBE);
        progress.sentProbe();
        assertThat(progress.acknowledge(1)).isTrue();
        assertThat(progress.state()).isEqualTo(Progress.State.REPLICATE);
        return progress;
    }

    @Test
    void probeSendsOneMessageAtATimeUntilAnswered() {
        Progress progress = new Progress(5, 4, 1000);
        assertThat(progress.isPaused()).isFalse();
        progress.sentEntries(7, 10);
        assertThat(progress.isPaused()).isTrue();
        assertThat(progress.nextIndex()).isEqualTo(5); // a probe does not move nextIndex optimistically
        assertThat(progress.acknowledge(7)).isTrue();
        assertThat(progress.state()).isEqualTo(Progress.State.REPLICATE);
        assertThat(progress.matchIndex()).isEqualTo(7);
        assertThat(progress.nextIndex()).isEqualTo(8);
        assertThat(progress.isPaused()).isFalse();
    }

    @Test
    void replicateStreamsUntilTheMessageWindowIsFull() {
        Progress progress = replicating(2, 1_000_000);
        progress.sentEntries(3, 10);
        assertThat(progress.nextIndex()).isEqualTo(4);
        assertThat(progress.isPaused()).isFalse();
        progress.sentEntries(5, 10);
        assertThat(progress.isPaused()).isTrue();
        progress.acknowledge(3); // frees the first message only
        assertThat(progress.isPaused()).isFalse();
        progress.sentEntries(6, 10);
        assertThat(progress.isPaused()).isTrue();
        progress.acknowledge(6);
        assertThat(progress.isPaused()).isFalse();
        assertThat(progress.matchIndex()).isEqualTo(6);
    }

    @Test
    void replicateStopsAtTheByteWindow() {
        Progress progress = replicating(100, 100);
        progress.sentEntries(2, 60);
        assertThat(progress.isPaused()).isFalse();
        progress.sentEntries(3, 40);
        assertThat(progress.isPaused()).isTrue();
        progress.acknowledge(2);
        assertThat(progress.isPaused()).isFalse();
    }

    @Test
    void staleAcknowledgementsAreNoNews() {
        Progress progress = replicating(8, 1000);
        progress.acknowledge(5);
        assertThat(progress.acknowledge(4)).isFalse();
        assertThat(progress.acknowledge(5)).isFalse();
        assertThat(progress.matchIndex()).isEqualTo(5);
    }

    @Test
    void rejectionInReplicateFallsBackToProbeNeverBelowTheMatch() {
        Progress progress = replicating(8, 1000);
        progress.sentEntries(10, 10);
        assertThat(progress.rejected(1, 1)).as("at or below the match: stale").isFalse();
        assertThat(progress.state()).isEqualTo(Progress.State.REPLICATE);
        assertThat(progress.rejected(8, 0)).isTrue();
        assertThat(progress.state()).isEqualTo(Progress.State.PROBE);
        assertThat(progress.nextIndex()).isEqualTo(2); // match + 1, whatever the hint
        assertThat(progress.isPaused()).isFalse();
    }

    @Test
    void rejectionInProbeMustAnswerTheCurrentProbe() {
        Progress progress = new Progress(10, 8, 1000);
        assertThat(progress.rejected(5, 3)).as("answers an older probe").isFalse();
        assertThat(progress.nextIndex()).isEqualTo(10);
        assertThat(progress.rejected(9, 4)).isTrue();
        assertThat(progress.nextIndex()).isEqualTo(4);
        assertThat(progress.rejected(3, 20)).as("the hint never moves next past the rejected index").isTrue();
        assertThat(progress.nextIndex()).isEqualTo(3);
    }

    @Test
    void aLostProbeIsRetriedOnTheNextHeartbeatAnswer() {
        Progress progress = new Progress(5, 8, 1000);
        progress.sentProbe();
        assertThat(progress.isPaused()).isTrue();
        assertThat(progress.heardHeartbeatResponse(10)).isTrue();
        assertThat(progress.isPaused()).isFalse();
        assertThat(progress.heardHeartbeatResponse(0)).as("caught up: nothing to send").isFalse();
    }

    @Test
    void aStalledStreamFallsBackToProbingOnlyAfterAQuietInterval() {
        Progress progress = replicating(1, 1000);
        progress.sentEntries(5, 10);
        progress.heartbeatIntervalElapsed(5); // first interval: records the match
        assertThat(progress.heardHeartbeatResponse(5)).as("not yet suspected").isFalse();
        progress.heartbeatIntervalElapsed(5); // no progress over a whole interval
        assertThat(progress.heardHeartbeatResponse(5)).isTrue();
        assertThat(progress.state()).isEqualTo(Progress.State.PROBE);
        assertThat(progress.nextIndex()).isEqualTo(2);
    }

    @Test
    void aProgressingStreamIsNotSuspected() {
        Progress progress = replicating(4, 1000);
        progress.sentEntries(5, 10);
        progress.heartbeatIntervalElapsed(9);
        progress.acknowledge(3);
        progress.heartbeatIntervalElapsed(9);
        assertThat(progress.heardHeartbeatResponse(9)).isFalse();
        assertThat(progress.state()).isEqualTo(Progress.State.REPLICATE);
    }

    @Test
    void activityIsRecordedAndReset() {
        Progress progress = new Progress(1, 1, 1);
        assertThat(progress.recentlyActive()).isFalse();
        progress.markActive();
        assertThat(progress.recentlyActive()).isTrue();
        assertThat(progress.status().recentlyActive()).isTrue();
        progress.resetActive();
        assertThat(progress.recentlyActive()).isFalse();
        assertThat(progress.status().state()).isEqualTo("PROBE");
    }

    @Test
    void aFollowerWaitingForASnapshotGetsNothingElseUntilAnswered() {
        Progress progress = replicating(4, 1000);
        progress.becomeSnapshot(20);
        assertThat(progress.state()).isEqualTo(Progress.State.SNAPSHOT);
        assertThat(progress.isPaused()).isTrue();
        assertThat(progress.heardHeartbeatResponse(30)).as("heartbeats do not trigger sends").isFalse();
        assertThat(progress.rejected(5, 3)).as("a rejection of an older append is stale").isFalse();
        assertThat(progress.snapshotAnswered(20)).isTrue();
        assertThat(progress.state()).isEqualTo(Progress.State.PROBE);
        assertThat(progress.matchIndex()).isEqualTo(20);
        assertThat(progress.nextIndex()).isEqualTo(21);
        assertThat(progress.isPaused()).isFalse();
    }

    @Test
    void aSnapshotIsGivenUpOnAFailureReportOrAfterTheStallTimeout() {
        Progress reported = replicating(4, 1000);
        reported.becomeSnapshot(20);
        reported.snapshotFailed();
        assertThat(reported.state()).isEqualTo(Progress.State.PROBE);
        assertThat(reported.nextIndex()).isEqualTo(2);

        Progress stalled = replicating(4, 1000);
        stalled.becomeSnapshot(20);
        for (int tick = 1; tick < 10; tick++) {
            assertThat(stalled.snapshotStalled(10)).isFalse();
        }
        assertThat(stalled.snapshotStalled(10)).isTrue();
        assertThat(stalled.state()).isEqualTo(Progress.State.PROBE);
        assertThat(stalled.snapshotStalled(10)).as("only while waiting").isFalse();
    }

    @Test
    void anAcknowledgementPastTheSnapshotEndsTheWaitAndALowerOneDoesNot() {
        Progress progress = replicating(4, 1000);
        progress.becomeSnapshot(20);
        assertThat(progress.acknowledge(5)).isTrue();
        assertThat(progress.state()).isEqualTo(Progress.State.SNAPSHOT);
        assertThat(progress.acknowledge(22)).isTrue();
        assertThat(progress.state()).isEqualTo(Progress.State.REPLICATE);
        assertThat(progress.nextIndex()).isEqualTo(23);
    }

    @Test
    void theSameAcknowledgementTwiceIsNoNews() {
        Progress progress = replicating(4, 1000);
        progress.sentEntries(4, 10);
        assertThat(progress.acknowledge(4)).isTrue();
        assertThat(progress.acknowledge(4)).isFalse();
        assertThat(progress.nextIndex()).isEqualTo(5);
    }

    /** A stream that fell back to probing starts its window afresh once the probe is answered. */
    @Test
    void aStreamResumedAfterARejectionStartsWithAnEmptyWindow() {
        Progress progress = replicating(2, 1_000_000);
        progress.sentEntries(3, 10);
        progress.sentEntries(5, 10);
        assertThat(progress.isPaused()).isTrue();
        assertThat(progress.rejected(3, 2)).isTrue();
        assertThat(progress.state()).isEqualTo(Progress.State.PROBE);
        assertThat(progress.nextIndex()).isEqualTo(2);
        progress.sentEntries(2, 10);
        assertThat(progress.acknowledge(2)).isTrue();
        assertThat(progress.state()).isEqualTo(Progress.State.REPLICATE);
        assertThat(progress.isPaused()).as("the old messages in flight no longer count").isFalse();
    }

    @Test
    void aSnapshotMustReachPastTheMatchIndexAndMovesNextIndexBeyondIt() {
        Progress progress = replicating(2, 1000);
        assertThatThrownBy(() -> progress.becomeSnapshot(1)).isInstanceOf(InvariantViolation.class);
        progress.becomeSnapshot(9);
        assertThat(progress.nextIndex()).isEqualTo(10);
        assertThat(progress.pendingSnapshotIndex()).isEqualTo(9);
        assertThat(progress.snapshotAnswered(1)).as("the match index did not rise").isFalse();
        assertThat(progress.state()).isEqualTo(Progress.State.PROBE);
        assertThat(progress.pendingSnapshotIndex()).isZero();
        assertThat(progress.nextIndex()).isEqualTo(2);
    }

    @Test
    void aLateSnapshotAnswerCountsAsAnAcknowledgement() {
        Progress progress = replicating(2, 1000);
        assertThat(progress.snapshotAnswered(6)).isTrue();
        assertThat(progress.matchIndex()).isEqualTo(6);
        assertThat(progress.snapshotAnswered(6)).isFalse();
    }

    @Test
    void aStalledSnapshotFallsBackToProbingJustPastTheMatchIndex() {
        Progress progress = replicating(2, 1000);
        progress.becomeSnapshot(9);
        assertThat(progress.snapshotStalled(2)).isFalse();
        assertThat(progress.snapshotStalled(2)).isTrue();
        assertThat(progress.nextIndex()).isEqualTo(2);
    }

    /** A follower that held everything the leader had is not suspected when the leader's log grows later. */
    @Test
    void aCaughtUpFollowerIsNotSuspectedOfStalling() {
        Progress progress = replicating(4, 1000);
        progress.heartbeatIntervalElapsed(1);
        progress.heartbeatIntervalElapsed(1);
        assertThat(progress.heardHeartbeatResponse(2)).isFalse();
        assertThat(progress.state()).isEqualTo(Progress.State.REPLICATE);
    }
}

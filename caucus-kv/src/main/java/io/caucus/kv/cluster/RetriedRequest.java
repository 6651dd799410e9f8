package io.caucus.kv.cluster;

import io.caucus.kv.command.ErrorCodes;
import io.caucus.kv.command.Reply;
import io.caucus.kv.protocol.Replies;
import io.caucus.kv.state.EntryCodec;
import io.caucus.server.CaucusException;
import io.caucus.server.OutcomeUnknownException;
import io.caucus.server.OverloadedException;
import io.caucus.server.ShutdownException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One request's attempts, each run when the previous one has failed, until one answers or the request timeout leaves
 * no room for another: retried while no leader is known, the leader changed, or an attempt's outcome is unknown.
 * Retrying a write whose outcome is unknown is safe because every write carries its session and sequence number
 * (thesis §6.3), or is an idempotent step: the state machine applies it at most once.
 *
 * <p>The final failure is honest: if any attempt's outcome was unknown, the write is reported as unknown (that
 * attempt may still commit), otherwise as the last "not applied" reason. Subclasses say where an attempt goes.
 */
abstract class RetriedRequest {

    private static final long FIRST_BACKOFF_MILLIS = 10;
    private static final long MAX_BACKOFF_MILLIS = 200;

    protected final boolean write;
    protected final byte[] payload;
    private final ScheduledExecutorService scheduler;
    private final long deadlineNanos;
    private final CompletableFuture<byte[]> answer = new CompletableFuture<>();
    private boolean outcomeUncertain;
    private long backoffMillis = FIRST_BACKOFF_MILLIS;

    RetriedRequest(boolean write, byte[] payload, ScheduledExecutorService scheduler, long timeoutNanos) {
        this.write = write;
        this.payload = payload;
        this.scheduler = scheduler;
        this.deadlineNanos = System.nanoTime() + timeoutNanos;
    }

    /** Sends the request once more; a failure is reported to {@link #failedOnce} before the next attempt. */
    protected abstract CompletableFuture<byte[]> once();

    /** What an attempt's failure teaches about where the next one should go. */
    protected void failedOnce(Throwable failure) {
    }

    final CompletableFuture<byte[]> start() {
        attempt();
        return answer;
    }

    private void attempt() {
        CompletableFuture<byte[]> result;
        try {
            result = once();
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        result.whenComplete((value, failure) -> {
            if (failure != null) {
                onFailure(Replies.unwrap(failure));
            } else if (refusedForNow(value, write)) {
                onRefusedForNow(value);
            } else {
                answer.complete(value);
            }
        });
    }

    /**
     * True if the state machine refused the request for now, safe to retry: a write behind an earlier write of its
     * session (OUTOFORDER), or a key in transit between two groups during a slot move (TRYAGAIN, writes and reads).
     */
    private static boolean refusedForNow(byte[] result, boolean write) {
        try {
            return EntryCodec.decodeReply(result) instanceof Reply.Error error
                    && ((write && error.code().equals(ErrorCodes.OUTOFORDER))
                    || error.code().equals(ErrorCodes.TRYAGAIN));
        } catch (EntryCodec.MalformedException e) {
            return false; // handed to the client as is; RespHandler reports it
        }
    }

    /** Refused for now (OUTOFORDER, TRYAGAIN): nothing was applied, so it is safe to retry. */
    private void onRefusedForNow(byte[] refusal) {
        if (retryLater()) {
            return;
        }
        if (outcomeUncertain) {
            answer.completeExceptionally(new OutcomeUnknownException(
                    "an earlier attempt's outcome is unknown, then the write was refused for now"));
        } else {
            answer.complete(refusal);
        }
    }

    /** Schedules another attempt if the deadline leaves room for the backoff; false if it does not. */
    private boolean retryLater() {
        long remainingNanos = deadlineNanos - System.nanoTime();
        if (remainingNanos <= TimeUnit.MILLISECONDS.toNanos(backoffMillis)) {
            return false;
        }
        try {
            scheduler.schedule(this::attempt, backoffMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) { // the server is closing
            answer.completeExceptionally(outcomeUncertain
                    ? new OutcomeUnknownException("the server closed while retrying")
                    : new ShutdownException("the server closed while retrying"));
            return true;
        }
        backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
        return true;
    }

    private void onFailure(Throwable failure) {
        failedOnce(failure);
        boolean refusedAsInvalid = failure instanceof IllegalArgumentException
                || failure instanceof ForwardingRefusedException; // e.g. larger than maxCommandBytes
        if (write && !refusedAsInvalid && !(failure instanceof CaucusException known && known.outcomeKnown())) {
            outcomeUncertain = true;
        }
        boolean retryable = switch (failure) {
            case OverloadedException e -> false; // back-pressure: the client should slow down
            case ShutdownException e -> false;
            default -> !refusedAsInvalid;
        };
        if (retryable && retryLater()) {
            return;
        }
        answer.completeExceptionally(outcomeUncertain && !(failure instanceof OutcomeUnknownException)
                ? new OutcomeUnknownException("an earlier attempt's outcome is unknown, then: "
                        + failure.getMessage())
                : failure);
    }
}

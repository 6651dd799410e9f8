package io.caucus.server.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Client requests waiting for an outcome, shared by the client threads, the node thread and the apply thread.
 *
 * <p>Invariant: a request is completed only by whoever removes it from its map, and {@link ConcurrentHashMap}
 * removal is atomic, so each future is completed once, by one thread, holding no lock.
 */
final class PendingRequests {

    /** A proposal appended at some index in {@code term}: it took effect iff that index applies in that term. */
    record Proposal(long term, CompletableFuture<byte[]> future, long deadlineNanos) {
    }

    record Read(byte[] query, CompletableFuture<byte[]> future, long deadlineNanos) {
    }

    private final Map<Long, Proposal> proposalsByIndex = new ConcurrentHashMap<>();
    private final Map<Long, Read> readsById = new ConcurrentHashMap<>();
    private final AtomicLong nextReadId = new AtomicLong(1);
    private final AtomicInteger outstanding = new AtomicInteger();
    private final int maxOutstanding;

    PendingRequests(int maxOutstanding) {
        this.maxOutstanding = maxOutstanding;
    }

    /**
     * Counts a new request against the limit, or returns false if the limit is reached (back-pressure). The
     * count falls when the returned future completes, however it completes.
     */
    CompletableFuture<byte[]> reserve() {
        if (outstanding.incrementAndGet() > maxOutstanding) {
            outstanding.decrementAndGet();
            return null;
        }
        CompletableFuture<byte[]> future = new CompletableFuture<>();
        future.whenComplete((result, failure) -> outstanding.decrementAndGet());
        return future;
    }

    int outstanding() {
        return outstanding.get();
    }

    void addProposal(long index, Proposal proposal) {
        proposalsByIndex.put(index, proposal);
    }

    Proposal takeProposal(long index) {
        return proposalsByIndex.remove(index);
    }

    /** Registers a read and returns its request id. */
    long addRead(Read read) {
        long id = nextReadId.getAndIncrement();
        readsById.put(id, read);
        return id;
    }

    /** The read registered under {@code requestId}, left in place; null if it is gone. */
    Read read(long requestId) {
        return readsById.get(requestId);
    }

    /**
     * Makes {@code query} the one to serve for the read registered as {@code read} (its query as the node prepared
     * it); false if that read was taken meanwhile (timed out, failed, the node closing), which changes nothing.
     */
    boolean replaceQuery(long requestId, Read read, byte[] query) {
        return readsById.replace(requestId, read, new Read(query, read.future(), read.deadlineNanos()));
    }

    Read takeRead(long requestId) {
        return readsById.remove(requestId);
    }

    /** Removes and returns every proposal waiting (leadership lost, or shutting down). */
    List<Proposal> takeAllProposals() {
        return takeAll(proposalsByIndex);
    }

    List<Read> takeAllReads() {
        return takeAll(readsById);
    }

    /** Removes and returns the futures of every request whose deadline has passed. */
    List<CompletableFuture<byte[]>> takeExpired(long nowNanos) {
        List<CompletableFuture<byte[]>> expired = new ArrayList<>();
        proposalsByIndex.forEach((index, proposal) -> {
            if (nowNanos - proposal.deadlineNanos() >= 0 && proposalsByIndex.remove(index, proposal)) {
                expired.add(proposal.future());
            }
        });
        readsById.forEach((id, read) -> {
            if (nowNanos - read.deadlineNanos() >= 0 && readsById.remove(id, read)) {
                expired.add(read.future());
            }
        });
        return expired;
    }

    private static <K, V> List<V> takeAll(Map<K, V> map) {
        List<V> taken = new ArrayList<>();
        for (K key : List.copyOf(map.keySet())) {
            V value = map.remove(key);
            if (value != null) {
                taken.add(value);
            }
        }
        return taken;
    }
}

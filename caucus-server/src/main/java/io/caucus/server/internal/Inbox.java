package io.caucus.server.internal;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The node's inbox: inputs from any thread, taken by the node's turns. The node does not wait on it (it runs as
 * tasks on an event loop, see {@link NodeLoop}), so every input queued also asks for a turn; the node coalesces
 * those requests. Bounded: an input that does not fit is refused, never blocks a transport thread.
 */
final class Inbox {

    private final BlockingQueue<Input> queue;
    private volatile Runnable onInput = () -> {
    };

    Inbox(int capacity) {
        this.queue = new LinkedBlockingQueue<>(capacity);
    }

    /** What to do after each input queued (ask the node for a turn); set once, before inputs arrive. */
    void onInput(Runnable action) {
        this.onInput = Objects.requireNonNull(action, "action");
    }

    /** Queues an input if there is room; returns false (and queues nothing) if the inbox is full. */
    boolean offer(Input input) {
        boolean queued = queue.offer(input);
        if (queued) {
            onInput.run();
        }
        return queued;
    }

    /** Like {@link #offer(Input)}, waiting up to {@code timeout} for room. */
    boolean offer(Input input, long timeout, TimeUnit unit) throws InterruptedException {
        boolean queued = queue.offer(input, timeout, unit);
        if (queued) {
            onInput.run();
        }
        return queued;
    }

    /** Takes an input back that the node has not taken yet; true if it was still queued. */
    boolean remove(Input input) {
        return queue.remove(input);
    }

    /** Moves up to {@code max} queued inputs, oldest first, to {@code into}; returns how many. */
    int drainTo(List<Input> into, int max) {
        return queue.drainTo(into, max);
    }

    /** The oldest queued input, removed, or null. */
    Input poll() {
        return queue.poll();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }
}

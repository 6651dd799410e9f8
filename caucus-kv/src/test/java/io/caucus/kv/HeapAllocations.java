package io.caucus.kv;

import java.lang.management.ManagementFactory;

/**
 * Bytes allocated on the heap by every thread of this JVM (those that have ended too), for tests that show a limit
 * holds memory down: what a refused request costs, measured across the event loops that decode it.
 */
final class HeapAllocations {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private HeapAllocations() {
    }

    static long total() {
        return THREADS.getTotalThreadAllocatedBytes();
    }
}

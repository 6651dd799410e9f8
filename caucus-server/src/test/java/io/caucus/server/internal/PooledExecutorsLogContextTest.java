package io.caucus.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** A host's groups share threads; each task runs with its own group in the logging context, and leaves none. */
class PooledExecutorsLogContextTest {

    @Test
    void eachGroupsTasksAndWorkersRunWithTheirGroupInTheLoggingContext() throws InterruptedException {
        PooledExecutors executors = new PooledExecutors(1, "test-node");
        PooledWorkers workers = new PooledWorkers(1, "test-worker");
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(4);
        try {
            NodeExecutor host = executors.openHost();
            executors.open(5).execute(() -> {
                seen.add("group 5: " + MDC.get("group"));
                done.countDown();
            });
            executors.open(6).execute(() -> {
                seen.add("group 6: " + MDC.get("group"));
                done.countDown();
            });
            host.execute(() -> {
                seen.add("host: " + MDC.get("group"));
                done.countDown();
            });
            workers.forGroup(9).start("apply").execute(() -> {
                seen.add("worker of 9: " + MDC.get("group"));
                done.countDown();
            });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            executors.shutdown();
            workers.shutdown();
        }
        assertThat(seen).containsExactlyInAnyOrder("group 5: 5", "group 6: 6", "host: null", "worker of 9: 9");
    }
}

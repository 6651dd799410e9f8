package io.caucus.core.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaConstructorCall;
import java.util.Set;
import java.util.Timer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadFactory;

/**
 * What starting a thread looks like in byte code, for the architecture tests of the modules below caucus-server
 * (only caucus-server and the modules above it start threads): making a {@link Thread} or an
 * {@link ExecutorService} (JDK pools, Netty's event loop groups), a {@link Timer}, a thread through a
 * {@link ThreadFactory} or a {@code Thread.Builder}, and running work on the common fork-join pool.
 * Taking an executor from the caller and running work on it is not starting a thread.
 */
public final class ThreadStarts {

    private static final Set<String> THREAD_STARTS = Set.of("start", "startVirtualThread", "ofPlatform", "ofVirtual");

    /** A call that starts a thread or makes something that will. */
    public static final DescribedPredicate<JavaCall<?>> STARTS_A_THREAD = new DescribedPredicate<>(
            "start a thread (Thread, Thread.Builder, ThreadFactory, ExecutorService, Timer, common pool)") {
        @Override
        public boolean test(JavaCall<?> call) {
            JavaClass owner = call.getTargetOwner();
            String name = call.getName();
            if (call instanceof JavaConstructorCall) {
                return owner.isAssignableTo(Thread.class) || owner.isAssignableTo(ExecutorService.class)
                        || owner.isAssignableTo(Timer.class);
            }
            return (owner.isAssignableTo(Thread.class) && THREAD_STARTS.contains(name))
                    || (owner.isAssignableTo(ThreadFactory.class) && name.equals("newThread"))
                    || (owner.isEquivalentTo(Executors.class) && !name.equals("callable"))
                    || (owner.isEquivalentTo(ForkJoinPool.class) && name.equals("commonPool"))
                    || (owner.isEquivalentTo(CompletableFuture.class) && name.endsWith("Async")
                            && call.getTarget().getRawParameterTypes().stream()
                                    .noneMatch(type -> type.isAssignableTo(Executor.class)));
        }
    };

    private ThreadStarts() {
    }
}

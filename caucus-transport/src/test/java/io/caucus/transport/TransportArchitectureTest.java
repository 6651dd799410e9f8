package io.caucus.transport;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.caucus.core.architecture.ThreadStarts;

/**
 * The transport sits beside the storage, under the runtime: it knows the core's messages, Netty and Protocol
 * Buffers, nothing of the storage nor of any module above. Its only threads are Netty's event loops, made in
 * one place ({@link NettyIo#newGroup}).
 */
@AnalyzeClasses(packages = "io.caucus.transport", importOptions = ImportOption.DoNotIncludeTests.class)
class TransportArchitectureTest {

    @ArchTest
    static final ArchRule knowsNothingOfStorageOrAbove = noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("io.caucus.storage..", "io.caucus.server..", "io.caucus.kv..", "io.caucus.sim..",
                    "io.caucus.chaos..")
            .because("the transport moves messages; what they mean to the log is the runtime's business");

    @ArchTest
    static final ArchRule startsOnlyNettysEventLoops = noClasses().that().doNotBelongToAnyOf(NettyIo.class)
            .should().callCodeUnitWhere(ThreadStarts.STARTS_A_THREAD)
            .because("only caucus-server and the modules above it start threads, but for the transport's Netty "
                    + "event loops, made in NettyIo alone");
}

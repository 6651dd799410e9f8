package io.caucus.storage;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.caucus.core.architecture.ThreadStarts;

/**
 * The storage sits beside the transport, under the runtime: it knows the core's types and the JDK, nothing of
 * the transport (nor of any module above), and it starts no threads (the runtime decides which thread writes,
 * and hands the storage an executor where it wants work done elsewhere, see DurableLog#deleteSegmentsOn).
 */
@AnalyzeClasses(packages = "io.caucus.storage", importOptions = ImportOption.DoNotIncludeTests.class)
class StorageArchitectureTest {

    @ArchTest
    static final ArchRule knowsOnlyTheCore = classes().should().onlyDependOnClassesThat()
            .resideInAnyPackage("java..", "io.caucus.core..", "io.caucus.storage..")
            .because("storage knows nothing of the transport, the runtime or the services above");

    @ArchTest
    static final ArchRule startsNoThreads = noClasses().should().callCodeUnitWhere(ThreadStarts.STARTS_A_THREAD)
            .because("only caucus-server and the modules above it start threads");
}

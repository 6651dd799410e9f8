package io.caucus.core;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;

import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.security.SecureRandom;
import java.util.Random;

/**
 * The core is a pure, deterministic state machine, so that the simulator runs exactly the code the servers run:
 * messages and ticks in, instructions out. It does no I/O, keeps no time of its own, starts and shares nothing
 * with other threads, and draws randomness only from the generator it is given.
 */
@AnalyzeClasses(packages = "io.caucus.core", importOptions = ImportOption.DoNotIncludeTests.class)
class CoreArchitectureTest {

    @ArchTest
    static final ArchRule dependsOnTheJdkAlone = classes().should().onlyDependOnClassesThat()
            .resideInAnyPackage("java..", "io.caucus.core..")
            .because("the core is the bottom of the module stack and takes no library (docs/core.md)");

    @ArchTest
    static final ArchRule doesNoIo = noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("java.io..", "java.nio..", "java.net..")
            .because("the runtime persists, sends and applies what Ready asks; the core only decides");

    @ArchTest
    static final ArchRule keepsNoTime = noClasses().should().dependOnClassesThat().resideInAPackage("java.time..")
            .orShould().callMethod(System.class, "currentTimeMillis")
            .orShould().callMethod(System.class, "nanoTime")
            .because("time reaches the core only as ticks, so the simulator decides when they come");

    @ArchTest
    static final ArchRule usesNoThreads = noClasses().should().dependOnClassesThat()
            .resideInAPackage("java.util.concurrent..")
            .orShould().dependOnClassesThat().areAssignableTo(Thread.class)
            .orShould().dependOnClassesThat().areAssignableTo(ThreadLocal.class)
            .because("one thread at a time drives the core (the node thread, or the simulator)");

    @ArchTest
    static final ArchRule synchronizesNothing = noMethods().should().haveModifier(JavaModifier.SYNCHRONIZED)
            .because("one thread at a time drives the core");

    @ArchTest
    static final ArchRule drawsOnlyOnTheGivenGenerator = noClasses().should().callMethod(Math.class, "random")
            .orShould().callConstructorWhere(target(owner(assignableTo(Random.class))))
            .orShould().dependOnClassesThat().areAssignableTo(SecureRandom.class)
            .because("randomness comes from the RandomGenerator given in RaftOptions, so a seed replays a run");

    @ArchTest
    static final ArchRule readsNoEnvironment = noClasses().should().callMethodWhere(
                    target(owner(equivalentTo(System.class))).and(target(nameMatching("getProperty|getenv|exit"))))
            .because("the core's settings are its RaftOptions, the same on every run of a seed");

    @ArchTest
    static final ArchRule logsNothing = noClasses().should().dependOnClassesThat()
            .areAssignableTo(System.Logger.class)
            .orShould().dependOnClassesThat().resideInAPackage("java.util.logging..")
            .because("what the core decides reaches the log through Ready and status, which the runtime logs "
                    + "with the node's name (SLF4J, in caucus-server)");
}

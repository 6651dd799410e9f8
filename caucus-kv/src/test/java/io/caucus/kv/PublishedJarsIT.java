package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The published library jars as an application's module path sees them: each names its module in its manifest
 * ({@code Automatic-Module-Name}), the name is its root package, and no package is split across two jars (the
 * module system refuses to load two modules that share one). An IT because it reads the packaged jars, which
 * the integration-test phase puts on the class path.
 */
class PublishedJarsIT {

    private static final List<String> LIBRARY_MODULES =
            List.of("caucus-core", "caucus-storage", "caucus-transport", "caucus-server", "caucus-kv");
    private static final Pattern LIBRARY_JAR = Pattern.compile("(caucus-[a-z]+)-[0-9][^/]*(?<!-tests)\\.jar");

    @Test
    void everyLibraryJarNamesItsModuleAndNoPackageIsSplit() throws IOException {
        Map<String, Path> jars = libraryJarsOnTheClassPath();
        assertThat(jars.keySet()).containsExactlyInAnyOrderElementsOf(LIBRARY_MODULES);

        Map<String, String> ownerOfPackage = new HashMap<>();
        for (Map.Entry<String, Path> jar : jars.entrySet()) {
            try (JarFile file = new JarFile(jar.getValue().toFile())) {
                String moduleName = file.getManifest().getMainAttributes().getValue("Automatic-Module-Name");
                assertThat(moduleName).as(jar.getKey() + "'s Automatic-Module-Name")
                        .isEqualTo("io.caucus." + jar.getKey().substring("caucus-".length()));
                ModuleDescriptor.newAutomaticModule(moduleName); // throws if not a valid module name
                for (String pkg : packagesOf(file)) {
                    assertThat(pkg).as("a package of " + jar.getKey()).startsWith(moduleName);
                    String other = ownerOfPackage.putIfAbsent(pkg, jar.getKey());
                    assertThat(other).as("package " + pkg + " is in " + jar.getKey() + " and in " + other).isNull();
                }
            }
        }
    }

    /** artifactId to jar, for the library modules' main jars on this JVM's class path. */
    private static Map<String, Path> libraryJarsOnTheClassPath() {
        Map<String, Path> jars = new HashMap<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            var matcher = LIBRARY_JAR.matcher(Path.of(entry).getFileName().toString());
            if (matcher.matches() && matcher.group(1).matches("caucus-(core|storage|transport|server|kv)")) {
                jars.put(matcher.group(1), Path.of(entry));
            }
        }
        return jars;
    }

    private static Set<String> packagesOf(JarFile file) {
        Set<String> packages = new TreeSet<>();
        List<String> classes = new ArrayList<>();
        file.stream().map(entry -> entry.getName())
                .filter(name -> name.endsWith(".class") && !name.startsWith("META-INF/"))
                .forEach(classes::add);
        for (String name : classes) {
            packages.add(name.substring(0, name.lastIndexOf('/')).replace('/', '.'));
        }
        return packages;
    }
}

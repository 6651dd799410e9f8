package io.caucus.kv.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Child JVMs running {@code io.caucus.kv.cli.Main} with this JVM's java binary and class path. */
public final class ChildProcesses {

    private final Map<String, Process> processes = new ConcurrentHashMap<>();

    /** Starts {@code Main args} as child {@code name}, stdout and stderr appended to {@code log}. */
    public Process start(String name, List<String> args, Path log) {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        command.addAll(nettyFlags(Runtime.version().feature()));
        command.addAll(aotFlags(ManagementFactory.getRuntimeMXBean().getInputArguments()));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            Process process = builder.start();
            processes.put(name, process);
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
        }
    }

    public String pidOf(String name) {
        Process process = processes.get(name);
        return process == null || !process.isAlive() ? "-" : Long.toString(process.pid());
    }

    public Process get(String name) {
        return processes.get(name);
    }

    /** SIGKILL: the process gets no chance to flush or say goodbye. */
    public void kill(String name) throws InterruptedException {
        Process process = processes.remove(name);
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** SIGTERM to every child, then SIGKILL to any still alive after a few seconds. */
    public void stopAll() {
        processes.values().forEach(Process::destroy);
        for (Process process : processes.values()) {
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
    }

    /**
     * The JVM flags that let Netty use {@code sun.misc.Unsafe} and load its native transport without the JDK's
     * warnings on start, for a JDK of this feature release (the same as the {@code caucus} launcher's): JDK 22+
     * warns about restricted methods unless native access is enabled, JDK 24+ about Unsafe's memory access
     * unless it is allowed, an option older JDKs refuse.
     */
    public static List<String> nettyFlags(int javaFeatureRelease) {
        return javaFeatureRelease >= 23
                ? List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow")
                : List.of("--enable-native-access=ALL-UNNAMED");
    }

    /**
     * This JVM's AOT cache options (the launcher's, see {@code ./caucus}): a child runs the same JDK and class
     * path, so the same cache fits it and it starts as fast. Its messages stay off as in the parent, so a cache
     * that does not fit is passed over quietly.
     */
    static List<String> aotFlags(List<String> parentArguments) {
        return parentArguments.stream()
                .filter(argument -> argument.startsWith("-XX:AOTCache=") || argument.startsWith("-Xlog:aot"))
                .toList();
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    }
}

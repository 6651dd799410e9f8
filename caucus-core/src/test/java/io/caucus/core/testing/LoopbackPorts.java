package io.caucus.core.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for the nodes a test starts, in this JVM or in child processes. In caucus-core's test jar,
 * though the core does no I/O, because that is the jar the other modules' tests already share.
 */
public final class LoopbackPorts {

    /**
     * Every port chosen in this JVM. A caller that takes one port at a time (LocalCluster) and binds them only later
     * would otherwise get the same port twice now and then, since a port it holds no socket on looks free here.
     */
    private static final Set<Integer> handedOut = ConcurrentHashMap.newKeySet();

    private LoopbackPorts() {
    }

    /**
     * Loopback ports a node can bind: free now, never handed out before in this JVM, and drawn from below the
     * kernel's ephemeral range. A port from the ephemeral range (what binding port 0 gives) is closed again before
     * the node binds it, and in that window any outgoing connection on the machine may take it as its local port;
     * below the range only another test choosing at random can.
     */
    public static List<Integer> reserve(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            List<Integer> ports = new ArrayList<>();
            while (ports.size() < count) {
                int candidate = ThreadLocalRandom.current().nextInt(FIRST_CHOSEN_PORT, firstEphemeralPort());
                if (!handedOut.add(candidate)) {
                    continue;
                }
                ServerSocket socket = new ServerSocket();
                try {
                    socket.bind(new InetSocketAddress("127.0.0.1", candidate));
                } catch (IOException taken) {
                    socket.close();
                    continue;
                }
                sockets.add(socket);
                ports.add(candidate);
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    private static final int FIRST_CHOSEN_PORT = 10_000;

    /** The low end of the kernel's ephemeral port range (Linux), or the IANA default where it cannot be read. */
    private static int firstEphemeralPort() {
        try {
            // Line by line: Files.readString of this procfs file (size 0) returns only its first byte on JDK 25,
            // which read as port 3 and sent every test here to the fallback, half inside the ephemeral range.
            String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).getFirst().trim();
            int low = Integer.parseInt(range.split("\\s+")[0]);
            return low > FIRST_CHOSEN_PORT + 1_000 ? low : 49_152;
        } catch (IOException | RuntimeException unreadable) {
            return 49_152;
        }
    }
}

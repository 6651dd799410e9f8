package io.caucus.transport;

import io.caucus.core.NodeId;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Who the other end of a mutual-TLS peer connection is, by its certificate: the certificate has already been checked
 * to chain to the cluster's CA (the TLS handshake), and a member is recognised by a subject alternative name equal
 * to its node id (a DNS name) or to the host of its configured Raft address (a DNS name or an IP address). A node
 * with a certificate from the same CA issued for another cluster's members is thereby refused.
 */
final class PeerIdentity {

    private static final int DNS_NAME = 2;
    private static final int IP_ADDRESS = 7;

    private PeerIdentity() {
    }

    /** Adds TLS as the first handler of a peer connection's pipeline, when the transport has it. */
    static void addTls(io.netty.channel.Channel channel, TransportOptions options, boolean dialling) {
        if (options.tls() == null) {
            return;
        }
        channel.pipeline().addLast(dialling
                ? options.tls().clientContext().newHandler(channel.alloc())
                : options.tls().serverContext().newHandler(channel.alloc()));
    }

    /**
     * Why the other end of this connection cannot be {@code member} at {@code address} (null: not a member), or null
     * if it can; always null on a plaintext connection.
     */
    static String mismatch(ChannelHandlerContext ctx, NodeId member, InetSocketAddress address) {
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if (tls == null) {
            return null;
        }
        X509Certificate certificate;
        try {
            Certificate[] chain = tls.engine().getSession().getPeerCertificates();
            certificate = (X509Certificate) chain[0];
        } catch (SSLPeerUnverifiedException e) {
            return "it presented no certificate";
        }
        List<String> names = names(certificate);
        String who = "its certificate '" + certificate.getSubjectX500Principal().getName() + "' (names " + names + ")";
        if (address == null) {
            return who + " claims to be " + member + ", which is not a member of this node's configuration";
        }
        boolean named = names.contains(member.value()) || names.contains(address.getHostString())
                || (address.getAddress() != null && names.contains(address.getAddress().getHostAddress()));
        return named ? null : who + " names neither member " + member + " nor its address "
                + address.getHostString() + ": a certificate for another cluster, or for another node";
    }

    private static List<String> names(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives == null) {
                return names;
            }
            for (List<?> alternative : alternatives) {
                int type = (Integer) alternative.get(0);
                if (type == DNS_NAME || type == IP_ADDRESS) {
                    names.add(String.valueOf(alternative.get(1)));
                }
            }
        } catch (CertificateParsingException e) {
            return names; // no usable names: the certificate names no member
        }
        return names;
    }
}

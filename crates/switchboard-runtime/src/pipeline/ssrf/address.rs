//! Which addresses are internal or special, and refused unless configuration says otherwise.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether an IPv4 address is loopback, private, link-local (the cloud metadata address
/// 169.254.169.254 included), shared (CGNAT), "this network" (0.0.0.0/8), benchmarking,
/// multicast, reserved or broadcast.
pub fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_unspecified()
        || a == 0
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (b == 18 || b == 19))
        || ip.is_multicast()
        || a >= 240
        || ip.is_broadcast()
}

/// Whether an address may not be connected to without `allow_private_network`. IPv6 adds
/// loopback, unique local (fc00::/7, which holds the EC2 metadata address fd00:ec2::254),
/// link-local, multicast, and every IPv4-mapped or IPv4-compatible spelling.
pub fn forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.to_ipv4_mapped().is_some()
        // ::a.b.c.d (deprecated IPv4-compatible)
        || (s[..6] == [0; 6])
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xffc0) == 0xfe80
        || ip.is_multicast()
}

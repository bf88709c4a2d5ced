// Package system is the charm's boundary with the host: it runs programs
// (Commander) and reports host facts. Its sub-packages do one job each on top
// of it:
//
//   - files: atomic write-if-changed of files and directories, with owner
//     and mode set before the file becomes visible;
//   - users: user and group lookup under a root, group membership;
//   - apt: installed packages (dpkg-query), apt-get, the openstack-origin
//     package source and OpenStack release names;
//   - service: starting, stopping and watching services with systemd or,
//     on hosts booted without it, SysV init scripts;
//   - apache: enabling Apache sites and modules only when needed;
//   - systemtest: a recording fake Commander for tests.
//
// Nothing here keeps package-level state: every type takes the Commander it
// runs programs with and the filesystem root it reads and writes under, so
// tests run against a t.TempDir() and a fake.
package system

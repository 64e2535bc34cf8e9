// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The cgroup path parser on real path formats of containerd, CRI-O, Docker
 * and Podman, systemd and cgroupfs drivers, cgroup v1 and v2. */
#include "attrib.h"
#include "unit.h"

#define ID_A "4f8b3c1d2e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
#define ID_B "9a8b7c6d5e4f30211203a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define UID_DASH "0b6b7e2c-95d4-4a43-b5a6-1b6f4c4c8f3e"
#define UID_US "0b6b7e2c_95d4_4a43_b5a6_1b6f4c4c8f3e"

struct want {
	const char *path;
	bool found;
	const char *pod;
	const char *ctr;
	const char *runtime;
	const char *qos;
	bool conmon;
};

static const struct want paths[] = {
	/* containerd, systemd driver (cgroup v1 and v2 alike) */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_US
	  ".slice/cri-containerd-" ID_A ".scope",
	  true, UID_DASH, ID_A, "containerd", "burstable", false },
	{ "/kubepods.slice/kubepods-pod" UID_US ".slice/cri-containerd-" ID_A ".scope",
	  true, UID_DASH, ID_A, "containerd", "guaranteed", false },
	/* the pod's own cgroup, no container */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_US ".slice",
	  true, UID_DASH, "", "", "besteffort", false },
	/* containerd or dockershim, cgroupfs driver: a bare ID */
	{ "/kubepods/besteffort/pod" UID_DASH "/" ID_A, true, UID_DASH, ID_A, "", "besteffort",
	  false },
	{ "/kubepods/pod" UID_DASH "/" ID_A, true, UID_DASH, ID_A, "", "guaranteed", false },
	{ "/kubepods/burstable/pod" UID_DASH, true, UID_DASH, "", "", "burstable", false },
	/* a static pod: its UID is a 32-digit hash */
	{ "/kubepods/burstable/pod6e8b4b9f1c1c4c5e9f1a2b3c4d5e6f70/" ID_A, true,
	  "6e8b4b9f1c1c4c5e9f1a2b3c4d5e6f70", ID_A, "", "burstable", false },
	/* CRI-O, systemd and cgroupfs, and its conmon */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_US
	  ".slice/crio-" ID_A ".scope",
	  true, UID_DASH, ID_A, "cri-o", "besteffort", false },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_US
	  ".slice/crio-conmon-" ID_A ".scope",
	  true, UID_DASH, ID_A, "cri-o", "besteffort", true },
	{ "/kubepods/burstable/pod" UID_DASH "/crio-" ID_A, true, UID_DASH, ID_A, "cri-o",
	  "burstable", false },
	/* cgroup v2 seen from inside a cgroup namespace */
	{ "/../../kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_US
	  ".slice/cri-containerd-" ID_A ".scope",
	  true, UID_DASH, ID_A, "containerd", "burstable", false },
	/* kind: Kubernetes inside a Docker container; the inner IDs win */
	{ "/docker/" ID_B "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
	  "kubelet-kubepods-besteffort-pod" UID_US ".slice/cri-containerd-" ID_A ".scope",
	  true, UID_DASH, ID_A, "containerd", "besteffort", false },
	/* Docker, both drivers; and under the kubelet with the systemd driver */
	{ "/docker/" ID_A, true, "", ID_A, "docker", "", false },
	{ "/system.slice/docker-" ID_A ".scope", true, "", ID_A, "docker", "", false },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_US
	  ".slice/docker-" ID_A ".scope",
	  true, UID_DASH, ID_A, "docker", "burstable", false },
	/* Podman, systemd driver: a container, one in a pod, its conmon, rootless */
	{ "/machine.slice/libpod-" ID_A ".scope", true, "", ID_A, "podman", "", false },
	{ "/machine.slice/libpod-" ID_A ".scope/container", true, "", ID_A, "podman", "", false },
	{ "/machine.slice/machine-libpod_pod_" ID_B ".slice/libpod-" ID_A ".scope", true, ID_B,
	  ID_A, "podman", "", false },
	{ "/machine.slice/libpod-conmon-" ID_A ".scope", true, "", ID_A, "podman", "", true },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID_A ".scope", true,
	  "", ID_A, "podman", "", false },
	/* Podman, cgroupfs driver (as on this project's test machines) */
	{ "/libpod_parent/libpod-" ID_A, true, "", ID_A, "podman", "", false },
	{ "/libpod_parent/" ID_B "/libpod-" ID_A, true, ID_B, ID_A, "podman", "", false },
	{ "/libpod_parent/" ID_B, true, ID_B, "", "", "", false },
	{ "/libpod_parent/" ID_B "/conmon", true, ID_B, "", "podman", "", true },
	/* nothing to attribute */
	{ "/", false, "", "", "", "", false },
	{ "", false, "", "", "", "", false },
	{ "/user.slice/user-0.slice/session-3.scope", false, "", "", "", "", false },
	{ "/system.slice/containerd.service", false, "", "", "", "", false },
	{ "/kubepods.slice/kubepods-burstable.slice", false, "", "", "", "", false },
	{ "/kubepods/burstable", false, "", "", "", "", false },
	{ "/kubepods/burstable/podnot-a-uid", false, "", "", "", "", false },
	/* "pod<uid>" counts only below kubepods; IDs need all 64 digits */
	{ "/pod" UID_DASH, false, "", "", "", "", false },
	{ "/machine.slice/libpod-" ID_A "0.scope", false, "", "", "", "", false },
	{ "/docker/" ID_A "x", false, "", "", "", "", false },
	{ "/machine.slice/libpod-zz.scope", false, "", "", "", "", false },
};

static bool ident_formats(void)
{
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const struct want *w = &paths[i];
		struct rw_cg_ident id;
		bool found = rw_cgroup_ident(w->path, &id);

		CHECK(found == w->found, "%s: found %d", w->path, found);
		CHECK(!strcmp(id.pod_uid, w->pod), "%s: pod '%s', want '%s'", w->path, id.pod_uid,
		      w->pod);
		CHECK(!strcmp(id.container_id, w->ctr), "%s: container '%s', want '%s'", w->path,
		      id.container_id, w->ctr);
		CHECK(!strcmp(id.runtime, w->runtime), "%s: runtime '%s', want '%s'", w->path,
		      id.runtime, w->runtime);
		CHECK(!strcmp(id.qos, w->qos), "%s: qos '%s', want '%s'", w->path, id.qos, w->qos);
		CHECK(id.conmon == w->conmon, "%s: conmon %d", w->path, id.conmon);
	}
	return true;
}

static bool ident_upper_case_and_long_paths(void)
{
	struct rw_cg_ident id;
	char path[4096];
	size_t n;

	CHECK(rw_cgroup_ident("/kubepods/podABCDEF01-2345-6789-ABCD-EF0123456789/" ID_A, &id),
	      "upper case UID not found");
	CHECK(!strcmp(id.pod_uid, "abcdef01-2345-6789-abcd-ef0123456789"), "uid %s", id.pod_uid);
	/* A path of many components, none of them ours. */
	for (n = 0; n + 3 < sizeof(path); n += 2)
		memcpy(path + n, "/a", 2);
	path[n] = '\0';
	CHECK(!rw_cgroup_ident(path, &id), "found something in /a/a/...");
	return true;
}

static bool pod_uid_norm(void)
{
	char out[RW_ID_LEN];

	CHECK(rw_pod_uid_norm(UID_US, out) && !strcmp(out, UID_DASH), "underscores: %s", out);
	CHECK(rw_pod_uid_norm("0B6B7E2C-95D4-4A43-B5A6-1B6F4C4C8F3E", out) &&
	      !strcmp(out, UID_DASH), "upper case: %s", out);
	CHECK(rw_pod_uid_norm(ID_B, out) && !strcmp(out, ID_B), "a Podman pod ID");
	CHECK(!rw_pod_uid_norm("0b6b7e2c-95d4", out), "too short accepted");
	CHECK(!rw_pod_uid_norm("0b6b7e2c-95d4-4a43-b5a6-1b6f4c4c8f3g", out), "non-hex accepted");
	CHECK(!rw_pod_uid_norm("0b6b7e2c-95d4-4a43-b5a6-1b6f4c4c8f3e-0b6b7e2c", out),
	      "dashes and 40 digits accepted");
	CHECK(!rw_pod_uid_norm(ID_A "00", out), "65 digits accepted");
	return true;
}

static bool pick_hierarchy(void)
{
	/* cgroup v1 hybrid with Podman's cgroupfs layout (from a test machine) */
	static const char hybrid[] =
		"9:name=systemd:/libpod_parent/" ID_B "/libpod-" ID_A "\n"
		"8:pids:/libpod_parent/" ID_B "/libpod-" ID_A "\n"
		"1:cpu:/libpod_parent/" ID_B "/libpod-" ID_A "\n"
		"0::/libpod_parent/" ID_B "/libpod-" ID_A "\n";
	/* systemd hybrid: v2 names no container, pids does */
	static const char split[] = "12:pids:/kubepods/burstable/pod" UID_DASH "/" ID_A "\n"
				    "11:memory:/kubepods/burstable/pod" UID_DASH "/" ID_A "\n"
				    "1:name=systemd:/system.slice/containerd.service\n"
				    "0::/system.slice/containerd.service\n";
	static const char v2[] = "0::/kubepods.slice/kubepods-pod" UID_US
				 ".slice/cri-containerd-" ID_A ".scope\n";
	static const char host[] = "12:pids:/\n1:name=systemd:/init.scope\n0::/init.scope\n";
	static const char root[] = "12:pids:/\n0::/\n";
	char path[RW_CG_PATH_LEN];

	CHECK(!rw_cgroup_pick(hybrid, path, sizeof(path)), "hybrid");
	CHECK(!strcmp(path, "/libpod_parent/" ID_B "/libpod-" ID_A), "hybrid: %s", path);
	CHECK(!rw_cgroup_pick(split, path, sizeof(path)), "split");
	CHECK(!strcmp(path, "/kubepods/burstable/pod" UID_DASH "/" ID_A), "split: %s", path);
	CHECK(!rw_cgroup_pick(v2, path, sizeof(path)), "v2");
	CHECK(!strcmp(path, "/kubepods.slice/kubepods-pod" UID_US ".slice/cri-containerd-" ID_A
			    ".scope"), "v2: %s", path);
	CHECK(!rw_cgroup_pick(host, path, sizeof(path)) && !strcmp(path, "/init.scope"),
	      "host: %s", path);
	CHECK(!rw_cgroup_pick(root, path, sizeof(path)) && !strcmp(path, "/"), "root: %s", path);
	CHECK(rw_cgroup_pick("", path, sizeof(path)) == -1, "empty text accepted");
	CHECK(rw_cgroup_pick("garbage\n", path, sizeof(path)) == -1, "garbage accepted");
	/* truncated to the buffer, still terminated */
	CHECK(!rw_cgroup_pick(v2, path, 10) && strlen(path) == 9, "truncation: %s", path);
	return true;
}

UNIT_CASES(attrib_cases) = {
	{ "attrib: cgroup paths of containerd, CRI-O, Docker and Podman", ident_formats },
	{ "attrib: upper case UIDs and long foreign paths", ident_upper_case_and_long_paths },
	{ "attrib: pod UID normalization", pod_uid_norm },
	{ "attrib: the hierarchy picked from /proc/PID/cgroup", pick_hierarchy },
	{},
};

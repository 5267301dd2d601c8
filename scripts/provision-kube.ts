// Builds (first time only, ~10 minutes) and caches kube-apiserver and etcd for the KServe target's test (see
// src/provision/kube.ts), and prints where they are. `.ci/run` starts it in the background while the rest is set up; the
// test waits on the same lock, so this only moves the work earlier.
import { provisionKube } from '../src/provision/kube.js';

const bins = await provisionKube({ onProgress: (line) => console.log(line) });
console.log(`kube-apiserver: ${bins.kubeApiserver}\netcd: ${bins.etcd}`);

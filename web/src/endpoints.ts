// Every path of the REST API the UI uses, in one place.
const enc = encodeURIComponent;
const M = '/API/stats/modules';

export const api = {
  time: '/API/stats/time',
  interfaces: '/API/stats/interfaces',
  load: '/API/stats/load',
  processing: '/API/stats/processing',
  modules: M,
  global: `${M}/global`,
  ipsPaged: `${M}/ip/ips_paged`,
  ip: (ip: string) => `${M}/ip/ips/${enc(ip)}`,
  ipSub: (ip: string, sub: string) => `${M}/ip/ips/${enc(ip)}/${sub}`,
  globalConnections: `${M}/ip/globalConnections`,
  macsPaged: `${M}/mac/mac_paged`,
  mac: (mac: string) => `${M}/mac/macs/${enc(mac)}`,
  macProtocols: `${M}/mac_protocols/protocols`,
  vlans: `${M}/vlan/vlans`,
  l4Ports: (proto: 'tcp' | 'udp' | 'sctp') => `${M}/l4_ports/${proto}_ports_paged`,
  packetSizes: `${M}/packet_size/sizes`,
  qos: `${M}/qos/classes`,
  tcp: `${M}/tcp`,
  // Packet capture (docs/api.md "Captures"): the streamed download and the capture helper's tree.
  capture: '/API/data/modules/capture',
  captureFile: (name: string) => `/API/data/modules/capture/files/${enc(name)}`,
  captures: `${M}/capture/captures`,
  capture_: (id: string | number) => `${M}/capture/captures/${enc(String(id))}`,
  captureRecent: `${M}/capture/recent`,
  captureFavorites: `${M}/capture/favorites`,
  captureFavorite: (id: string | number) => `${M}/capture/favorites/${enc(String(id))}`,
  captureProfiles: `${M}/capture/profiles`,
  captureProfile: (id: string | number) => `${M}/capture/profiles/${enc(String(id))}`,
  captureFiles: `${M}/capture/files`,
  dashboards: '/API/system/dashboards',
  // Capture file upload for analysis (docs/api.md "Pcap analysis").
  analyzePcap: '/API/system/analyze-pcap',
  pcapStatus: '/API/data/pcap',
};

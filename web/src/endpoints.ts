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
  capture: '/API/data/modules/capture',
  captures: `${M}/capture/captures`,
  dashboards: '/API/system/dashboards',
};

// Every page of the app and its URL pattern (first match wins).
import { PageFactory } from './page';
import { dashboardPage as customDashboardPage, dashboardsListPage } from '../dashboards/pages';
import { dashboardPage } from './dashboard';
import { ipsPage } from './ips';
import { ipDetailPage } from './ip_detail';
import { capturesPage } from './captures';
import { tcpPage } from './tcp';
import { pcapUploadPage } from './pcap_upload';
import { l7ProtocolPage, l7ProtocolsPage } from './l7_protocols';
import { dnsPage, httpPage, quicPage, sslPage } from './app_protocols';
import { macDetailPage } from './detail_pages';
import { connectionDetailPage } from './connection_detail';
import { connectionsPage, macProtocolsPage, macsPage, packetSizesPage, portsPage, qosPage, vlansPage } from './simple_pages';

export const pages: { pattern: string; name: string; factory: PageFactory }[] = [
  { pattern: '/', name: 'dashboard', factory: dashboardPage },
  { pattern: '/dashboards', name: 'dashboards', factory: dashboardsListPage },
  { pattern: '/dashboards/:id', name: 'custom-dashboard', factory: customDashboardPage },
  { pattern: '/ips', name: 'ips', factory: ipsPage },
  { pattern: '/ips/:ip/:tab?', name: 'ip', factory: ipDetailPage },
  { pattern: '/macs', name: 'macs', factory: macsPage },
  { pattern: '/macs/:mac', name: 'mac', factory: macDetailPage },
  { pattern: '/mac-protocols', name: 'mac-protocols', factory: macProtocolsPage },
  { pattern: '/vlans', name: 'vlans', factory: vlansPage },
  { pattern: '/ports', name: 'ports', factory: portsPage },
  { pattern: '/packet-sizes', name: 'packet-sizes', factory: packetSizesPage },
  { pattern: '/qos', name: 'qos', factory: qosPage },
  { pattern: '/connections', name: 'connections', factory: connectionsPage },
  { pattern: '/connection', name: 'connection', factory: connectionDetailPage },
  { pattern: '/connections/:id', name: 'connection-by-id', factory: connectionDetailPage },
  { pattern: '/tcp', name: 'tcp', factory: tcpPage },
  { pattern: '/l7', name: 'l7', factory: l7ProtocolsPage },
  { pattern: '/l7/:protocol', name: 'l7-protocol', factory: l7ProtocolPage },
  { pattern: '/dns', name: 'dns', factory: dnsPage },
  { pattern: '/http', name: 'http', factory: httpPage },
  { pattern: '/ssl', name: 'ssl', factory: sslPage },
  { pattern: '/quic', name: 'quic', factory: quicPage },
  { pattern: '/captures', name: 'captures', factory: capturesPage },
  { pattern: '/pcap-analysis', name: 'pcap-analysis', factory: pcapUploadPage },
];

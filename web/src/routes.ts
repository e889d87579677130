/**
 * Every page of the dashboard, in one list. To add a page: write `pages/<Name>.tsx` exporting a
 * component that takes `{ params }`, declare it with `page(() => import(...), 'Name')` and add one
 * entry to ROUTES. A `nav` entry puts it in the left
 * navigation (only pages that exist are listed); `permission` hides the nav entry from users who
 * lack it (the server enforces it regardless).
 */
import { type ComponentType, lazy } from 'react';
import type { Permission } from './api';

export interface PageProps {
  params: Record<string, string>;
}

export interface PageRoute {
  /** Path pattern; ":name" segments become params. */
  path: string;
  title: string;
  component: ComponentType<PageProps>;
  nav?: { section: string; label: string };
  permission?: Permission;
}

/** Load a page's code when it is first shown, so charts and big tables do not weigh on sign-in. */
function page<K extends string>(
  load: () => Promise<Record<K, ComponentType<PageProps>>>,
  name: K,
): ComponentType<PageProps> {
  return lazy(() => load().then((m) => ({ default: m[name] as ComponentType<PageProps> })));
}

const InventoryPage = page(() => import('./pages/Inventory'), 'InventoryPage');
const DevicePage = page(() => import('./pages/Device'), 'DevicePage');
const ImportPage = page(() => import('./pages/Import'), 'ImportPage');
const AlertsPage = page(() => import('./pages/Alerts'), 'AlertsPage');
const AlertPage = page(() => import('./pages/Alert'), 'AlertPage');
const FindingsPage = page(() => import('./pages/Findings'), 'FindingsPage');
const RiskPage = page(() => import('./pages/Risk'), 'RiskPage');
const BaselinesPage = page(() => import('./pages/Baselines'), 'BaselinesPage');

const SubmissionsPage = page(() => import('./pages/Submissions'), 'SubmissionsPage');
const QuotePage = page(() => import('./pages/Quote'), 'QuotePage');
const PolicyPage = page(() => import('./pages/Policy'), 'PolicyPage');

export const HOME = '/inventory';

export const ROUTES: PageRoute[] = [
  // Detection first: what is happening now comes before what is owned.
  { path: '/alerts', title: 'Alerts', component: AlertsPage, nav: { section: 'Detection', label: 'Alerts' } },
  { path: '/alerts/:id', title: 'Alert', component: AlertPage },
  {
    path: '/inventory',
    title: 'Devices',
    component: InventoryPage,
    nav: { section: 'Inventory', label: 'Devices' },
  },
  { path: '/inventory/devices/:id', title: 'Device', component: DevicePage },
  {
    path: '/findings',
    title: 'Findings',
    component: FindingsPage,
    nav: { section: 'Assessment', label: 'Findings' },
  },
  { path: '/risk', title: 'Risk', component: RiskPage, nav: { section: 'Assessment', label: 'Risk' } },
  {
    path: '/baselines',
    title: 'Baselines',
    component: BaselinesPage,
    nav: { section: 'Assessment', label: 'Baselines' },
  },
  {
    path: '/inventory/import',
    title: 'Import devices',
    component: ImportPage,
    nav: { section: 'Inventory', label: 'Import' },
    permission: 'inventory:write',
  },
  {
    path: '/underwriting/submissions',
    title: 'Submissions',
    component: SubmissionsPage,
    nav: { section: 'Insurance', label: 'Submissions' },
    permission: 'underwriting:write',
  },
  { path: '/underwriting/quotes/:id', title: 'Quote', component: QuotePage },
  { path: '/policy', title: 'Policy', component: PolicyPage, nav: { section: 'Insurance', label: 'Policy' } },
  { path: '/policies/:id', title: 'Policy', component: PolicyPage },
];

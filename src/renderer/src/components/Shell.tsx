import type { ReactNode } from 'react'
import { AppShell, NavLink, Text, Title } from '@mantine/core'
import { hashFor, PAGES } from '../routing/routes'
import { useRoute } from '../stores/route'
import { ConnectivityBanner } from './ConnectivityBanner'

/** Navbar + main area. Links are plain `#/page` anchors: the hashchange listener does the routing. */
export function Shell({ children }: { children: ReactNode }) {
  const page = useRoute((s) => s.page)
  return (
    <AppShell navbar={{ width: 220, breakpoint: 0 }} padding="md">
      <AppShell.Navbar p="sm" data-testid="navbar">
        <Title order={3} mb="md" px="sm">
          DB-Taxi
        </Title>
        {PAGES.map((p) => (
          <NavLink
            key={p.id}
            component="a"
            href={hashFor(p.id)}
            label={p.label}
            active={p.id === page}
            aria-current={p.id === page ? 'page' : undefined}
            data-testid={`nav-${p.id}`}
          />
        ))}
        <Text size="xs" c="dimmed" mt="auto" px="sm">
          MySQL data sync
        </Text>
      </AppShell.Navbar>
      <AppShell.Main>
        <ConnectivityBanner />
        {children}
      </AppShell.Main>
    </AppShell>
  )
}

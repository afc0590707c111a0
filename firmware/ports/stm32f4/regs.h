/*
 * regs.h: the STM32F40x/41x peripheral registers this chip layer uses, and
 * nothing else (no vendor header, no CMSIS copy). Addresses and bits from
 * RM0090 (Rev 19), the section given next to each block.
 *
 * Owns: names for addresses. Never: logic. RAM: none.
 */
#ifndef CND_STM32F4_REGS_H
#define CND_STM32F4_REGS_H

#include <stdint.h>

#define CND_R32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* RCC, RM0090 7.3 (base from 2.3 memory map). */
#define RCC_BASE 0x40023800u
#define RCC_CR CND_R32(RCC_BASE + 0x00u)
#define RCC_PLLCFGR CND_R32(RCC_BASE + 0x04u)
#define RCC_CFGR CND_R32(RCC_BASE + 0x08u)
#define RCC_AHB1ENR CND_R32(RCC_BASE + 0x30u)
#define RCC_AHB2ENR CND_R32(RCC_BASE + 0x34u)
#define RCC_APB1ENR CND_R32(RCC_BASE + 0x40u)
#define RCC_APB2ENR CND_R32(RCC_BASE + 0x44u)
#define RCC_CSR CND_R32(RCC_BASE + 0x74u)
#define RCC_CR_HSION (1u << 0)
#define RCC_CR_HSIRDY (1u << 1)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_PLLCFGR_SRC_HSE (1u << 22)
#define RCC_CFGR_SW_MASK 0x3u
#define RCC_CFGR_SW_PLL 0x2u
#define RCC_CFGR_SWS_PLL (0x2u << 2)
#define RCC_CFGR_SWS_MASK (0x3u << 2)
#define RCC_CFGR_PPRE1_DIV4 (0x5u << 10)
#define RCC_CFGR_PPRE2_DIV2 (0x4u << 13)
#define RCC_AHB2ENR_RNGEN (1u << 6)
#define RCC_AHB2ENR_OTGFSEN (1u << 7)
#define RCC_APB1ENR_SPI2EN (1u << 14)
#define RCC_APB1ENR_PWREN (1u << 28)
#define RCC_APB2ENR_SPI1EN (1u << 12)
#define RCC_CSR_LSION (1u << 0)
#define RCC_CSR_LSIRDY (1u << 1)

/* Flash interface, RM0090 3.9.1 (wait states: 3.5.1, Table 10). */
#define FLASH_ACR CND_R32(0x40023C00u)
#define FLASH_ACR_LATENCY_MASK 0x7u
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)

/* PWR, RM0090 5.4.1: voltage scale 1 for 168 MHz. */
#define PWR_CR CND_R32(0x40007000u)
#define PWR_CR_VOS (1u << 14)

/* GPIO, RM0090 8.4: port n (A = 0) at 0x40020000 + 0x400 n. */
#define GPIO_BASE(n) (0x40020000u + 0x400u * (uint32_t)(n))
#define GPIO_MODER(n) CND_R32(GPIO_BASE(n) + 0x00u)
#define GPIO_OTYPER(n) CND_R32(GPIO_BASE(n) + 0x04u)
#define GPIO_OSPEEDR(n) CND_R32(GPIO_BASE(n) + 0x08u)
#define GPIO_PUPDR(n) CND_R32(GPIO_BASE(n) + 0x0Cu)
#define GPIO_IDR(n) CND_R32(GPIO_BASE(n) + 0x10u)
#define GPIO_BSRR(n) CND_R32(GPIO_BASE(n) + 0x18u)
#define GPIO_AFR(n, hi) CND_R32(GPIO_BASE(n) + 0x20u + 4u * (uint32_t)(hi))

/* SPI, RM0090 28.5: SPI1 on APB2 (84 MHz), SPI2 on APB1 (42 MHz). */
#define SPI1_BASE 0x40013000u
#define SPI2_BASE 0x40003800u
#define SPI_CR1(b) CND_R32((b) + 0x00u)
#define SPI_CR2(b) CND_R32((b) + 0x04u)
#define SPI_SR(b) CND_R32((b) + 0x08u)
#define SPI_DR(b) CND_R32((b) + 0x0Cu)
#define SPI_CR1_MSTR (1u << 2)
#define SPI_CR1_BR_SHIFT 3
#define SPI_CR1_BR_MASK (0x7u << 3)
#define SPI_CR1_SPE (1u << 6)
#define SPI_CR1_SSI (1u << 8)
#define SPI_CR1_SSM (1u << 9)
#define SPI_SR_RXNE (1u << 0)
#define SPI_SR_TXE (1u << 1)
#define SPI_SR_MODF (1u << 5)
#define SPI_SR_OVR (1u << 6)
#define SPI_SR_BSY (1u << 7)

/* IWDG, RM0090 19.4. */
#define IWDG_KR CND_R32(0x40003000u)
#define IWDG_PR CND_R32(0x40003004u)
#define IWDG_RLR CND_R32(0x40003008u)
#define IWDG_SR CND_R32(0x4000300Cu)
#define IWDG_KEY_UNLOCK 0x5555u
#define IWDG_KEY_KICK 0xAAAAu
#define IWDG_KEY_START 0xCCCCu

/* Debug freeze, RM0090 38.16.4: the watchdog stops while a debugger halts. */
#define DBGMCU_APB1_FZ CND_R32(0xE0042008u)
#define DBGMCU_APB1_FZ_IWDG (1u << 12)

/* RNG, RM0090 24.4 (error handling 24.3.2). */
#define RNG_CR CND_R32(0x50060800u)
#define RNG_SR CND_R32(0x50060804u)
#define RNG_DR CND_R32(0x50060808u)
#define RNG_CR_RNGEN (1u << 2)
#define RNG_SR_DRDY (1u << 0)
#define RNG_SR_CECS (1u << 1)
#define RNG_SR_SECS (1u << 2)
#define RNG_SR_CEIS (1u << 5)
#define RNG_SR_SEIS (1u << 6)

/* USB OTG FS, RM0090 34.16 (global 34.16.2, device 34.16.4). */
#define OTG_BASE 0x50000000u
#define OTG_GOTGINT CND_R32(OTG_BASE + 0x004u)
#define OTG_GAHBCFG CND_R32(OTG_BASE + 0x008u)
#define OTG_GUSBCFG CND_R32(OTG_BASE + 0x00Cu)
#define OTG_GRSTCTL CND_R32(OTG_BASE + 0x010u)
#define OTG_GINTSTS CND_R32(OTG_BASE + 0x014u)
#define OTG_GINTMSK CND_R32(OTG_BASE + 0x018u)
#define OTG_GRXSTSP CND_R32(OTG_BASE + 0x020u)
#define OTG_GRXFSIZ CND_R32(OTG_BASE + 0x024u)
#define OTG_DIEPTXF0 CND_R32(OTG_BASE + 0x028u)
#define OTG_GCCFG CND_R32(OTG_BASE + 0x038u)
#define OTG_DIEPTXF(n) CND_R32(OTG_BASE + 0x104u + 4u * ((uint32_t)(n) - 1u)) /* n >= 1 */
#define OTG_DCFG CND_R32(OTG_BASE + 0x800u)
#define OTG_DCTL CND_R32(OTG_BASE + 0x804u)
#define OTG_DIEPMSK CND_R32(OTG_BASE + 0x810u)
#define OTG_DOEPMSK CND_R32(OTG_BASE + 0x814u)
#define OTG_DAINT CND_R32(OTG_BASE + 0x818u)
#define OTG_DAINTMSK CND_R32(OTG_BASE + 0x81Cu)
#define OTG_DIEPCTL(n) CND_R32(OTG_BASE + 0x900u + 0x20u * (uint32_t)(n))
#define OTG_DIEPINT(n) CND_R32(OTG_BASE + 0x908u + 0x20u * (uint32_t)(n))
#define OTG_DIEPTSIZ(n) CND_R32(OTG_BASE + 0x910u + 0x20u * (uint32_t)(n))
#define OTG_DTXFSTS(n) CND_R32(OTG_BASE + 0x918u + 0x20u * (uint32_t)(n))
#define OTG_DOEPCTL(n) CND_R32(OTG_BASE + 0xB00u + 0x20u * (uint32_t)(n))
#define OTG_DOEPINT(n) CND_R32(OTG_BASE + 0xB08u + 0x20u * (uint32_t)(n))
#define OTG_DOEPTSIZ(n) CND_R32(OTG_BASE + 0xB10u + 0x20u * (uint32_t)(n))
#define OTG_PCGCCTL CND_R32(OTG_BASE + 0xE00u)
#define OTG_FIFO(n) CND_R32(OTG_BASE + 0x1000u + 0x1000u * (uint32_t)(n))

#define OTG_GOTGINT_SEDET (1u << 2)
#define OTG_GAHBCFG_GINT (1u << 0)
#define OTG_GUSBCFG_PHYSEL (1u << 6)
#define OTG_GUSBCFG_TRDT(x) ((uint32_t)(x) << 10)
#define OTG_GUSBCFG_TRDT_MASK (0xFu << 10)
#define OTG_GUSBCFG_FDMOD (1u << 30)
#define OTG_GRSTCTL_CSRST (1u << 0)
#define OTG_GRSTCTL_RXFFLSH (1u << 4)
#define OTG_GRSTCTL_TXFFLSH (1u << 5)
#define OTG_GRSTCTL_TXFNUM(n) ((uint32_t)(n) << 6)
#define OTG_GRSTCTL_AHBIDL (1u << 31)
#define OTG_GINT_OTGINT (1u << 2)
#define OTG_GINT_RXFLVL (1u << 4)
#define OTG_GINT_USBSUSP (1u << 11)
#define OTG_GINT_USBRST (1u << 12)
#define OTG_GINT_ENUMDNE (1u << 13)
#define OTG_GINT_IEPINT (1u << 18)
#define OTG_GINT_OEPINT (1u << 19)
#define OTG_GINT_SRQINT (1u << 30)
#define OTG_GINT_WKUINT (1u << 31)
#define OTG_GRXSTS_EPNUM(x) ((x) & 0xFu)
#define OTG_GRXSTS_BCNT(x) (((x) >> 4) & 0x7FFu)
#define OTG_GRXSTS_PKTSTS(x) (((x) >> 17) & 0xFu)
#define OTG_PKTSTS_OUT_DATA 2u
#define OTG_PKTSTS_SETUP_DATA 6u
#define OTG_GCCFG_PWRDWN (1u << 16)
#define OTG_GCCFG_VBUSBSEN (1u << 19)
#define OTG_GCCFG_NOVBUSSENS (1u << 21)
#define OTG_DCFG_DSPD_FS 0x3u
#define OTG_DCFG_DAD_SHIFT 4
#define OTG_DCFG_DAD_MASK (0x7Fu << 4)
#define OTG_DCTL_SDIS (1u << 1)
#define OTG_DCTL_CGINAK (1u << 8)
#define OTG_EPCTL_USBAEP (1u << 15)
#define OTG_EPCTL_EPTYP_SHIFT 18
#define OTG_EPCTL_STALL (1u << 21)
#define OTG_DIEPCTL_TXFNUM(n) ((uint32_t)(n) << 22)
#define OTG_EPCTL_CNAK (1u << 26)
#define OTG_EPCTL_SNAK (1u << 27)
#define OTG_EPCTL_SD0PID (1u << 28)
#define OTG_EPCTL_EPDIS (1u << 30)
#define OTG_EPCTL_EPENA (1u << 31)
#define OTG_EPINT_XFRC (1u << 0)
#define OTG_EPINT_EPDISD (1u << 1)
#define OTG_DOEPINT_STUP (1u << 3)
#define OTG_DIEPINT_INEPNE (1u << 6)
#define OTG_EPTSIZ_PKTCNT_1 (1u << 19)
#define OTG_DOEPTSIZ0_STUPCNT_3 (3u << 29)

/* Interrupt numbers (RM0090 12.2, Table 61). */
#define CND_STM32_IRQ_OTG_FS 67u

#endif

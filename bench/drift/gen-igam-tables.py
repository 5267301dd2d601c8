# Regenerates the Temme coefficients in src/drift/igam-tables.ts (prints JSON; needs mpmath). See that file.
# Compute Temme's d[k][n] (DLMF 8.12.12) like scipy/special/_precompute/gammainc_asy.py,
# but with exact power-series arithmetic instead of mp.taylor + sympy (fast).
import mpmath as mp
mp.mp.dps = 120
K=N=25
M = N + 2*K
nser = M + 3
# lam - log(1+lam) = sum_{k>=2} (-1)^k lam^k / k ; eta = lam*sqrt(2*S(lam)), S = sum_{k>=2} (-1)^k lam^(k-2)/k
S = [mp.mpf((-1)**k)/k for k in range(2, nser+3)]
S2 = [2*s for s in S]
def ser_sqrt(a, n):
    b=[mp.sqrt(a[0])]+[mp.mpf(0)]*(n-1)
    for i in range(1,n):
        s=a[i]-sum(b[j]*b[i-j] for j in range(1,i))
        b[i]=s/(2*b[0])
    return b
R = ser_sqrt(S2, nser)
eta = [mp.mpf(0)] + R[:nser-1]  # eta coefficients, eta[0]=0
def ser_mul(a,b,n):
    return [sum(a[j]*b[i-j] for j in range(i+1)) for i in range(n)]
def revert(a, n):
    # find b with a(b(x)) = x, a[0]=0
    b=[mp.mpf(0), 1/a[1]]+[mp.mpf(0)]*(n-2)
    for m in range(2,n):
        # compute coefficient m of a(b(x)) with b[m]=0, then fix
        comp=[mp.mpf(0)]*n; p=[mp.mpf(1)]+[mp.mpf(0)]*(n-1)
        for k in range(1,m+1):
            p=ser_mul(p,b,m+1)
            comp=[comp[i]+a[k]*p[i] if i<=m else comp[i] for i in range(n)]
        b[m]=-comp[m]/a[1]
    return b
alpha = revert(eta, M+2)
def compute_a(n):
    a=[mp.sqrt(2)/2]
    for k in range(1,n):
        ak=a[-1]/k
        for j in range(1,len(a)):
            ak-=a[j]*a[-j]/(j+1)
        ak/=a[0]*(1+mp.mpf(1)/(k+1))
        a.append(ak)
    return a
def compute_g(n):
    a=compute_a(2*n)
    return [mp.sqrt(2)*mp.rf(0.5,k)*a[2*k] for k in range(n)]
d0=[-mp.mpf(1)/3]
for n in range(1,M):
    d0.append((n+2)*alpha[n+2])
d=[d0]; g=compute_g(K)
for k in range(1,K):
    d.append([(-1)**k*g[k]*d[0][n]+(n+2)*d[k-1][n+2] for n in range(M-2*k)])
d=[row[:N] for row in d]
import json
print(json.dumps([[float(x) for x in row] for row in d]))

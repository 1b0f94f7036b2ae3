from probepkg.circ_b import B


class A:
    pass
